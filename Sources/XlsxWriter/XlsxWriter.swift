// Placeholder so the target builds.
import CXlsxWriter
