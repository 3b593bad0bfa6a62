// swift-tools-version:6.0
// safety-report: monthly safe-community reporting for a town and its villages.
import PackageDescription

// Release builds on Linux lay the code a run executes out contiguously (docs/performance-log.md, *Code that runs,
// laid out together*): every function of our own targets in its own section, linked by lld in the order of
// Sources/safety-report/hot-functions.txt (made by scripts/hot-functions.sh). Scattered over 18 MB of text, the
// 1.6 MB a run executes kept ~13 MB of it resident (the kernel maps 64 KB around every page fault of the binary).
let release = BuildSettingCondition.when(platforms: [.linux], configuration: .release)
let ownSections: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"], release)]
let ownCSections: [CSetting] = [.unsafeFlags(["-ffunction-sections"], release)]
let hotFunctions = Context.packageDirectory + "/Sources/safety-report/hot-functions.txt"

let package = Package(
    name: "safety-report",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "safety-report", targets: ["safety-report"]),
        .library(name: "SafetyReport", targets: ["SafetyReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Reads .xlsx submissions; tests also unzip the .xlsx files we write to check them part by part.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // libxlsxwriter, found through pkg-config (`xlsxwriter`); only XlsxWriter imports it.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // libxlsxwriter's temporary parts kept in memory for small workbooks (defines lxw_tmpfile; see its file).
        // Its deflate_reuse.c defines deflate, deflateInit2_ and deflateEnd for libminizip's calls; libminizip is not
        // linked directly (it comes with libxlsxwriter), so the linker would not export them on its own.
        // zip_level.c defines minizip's zipOpenNewFileInZip4_64 for libxlsxwriter's calls: the level of every part;
        // zip_memory.c defines fopen64 for minizip's: a workbook's zip kept in memory while it is written.
        // zip_crc.c defines zlib's crc32 for minizip's calls: libdeflate's CRC-32, the same value.
        // libdeflate's compressor deflates the parts minizip hands over whole (see CLibdeflate/README.md).
        .target(name: "CMemoryParts", dependencies: ["CLibdeflate"], cSettings: ownCSections, linkerSettings: [
            .unsafeFlags(["-Xlinker", "--export-dynamic-symbol=deflate", "-Xlinker", "--export-dynamic-symbol=deflateInit2_",
                          "-Xlinker", "--export-dynamic-symbol=deflateEnd",
                          "-Xlinker", "--export-dynamic-symbol=zipOpenNewFileInZip4_64",
                          "-Xlinker", "--export-dynamic-symbol=fopen64",
                          "-Xlinker", "--export-dynamic-symbol=crc32"], .when(platforms: [.linux])),
        ]),
        // libdeflate 1.26's compressor, vendored (MIT; CLibdeflate/README.md says why and from where).
        .target(name: "CLibdeflate", exclude: ["COPYING", "README.md"], cSettings: ownCSections),
        // SHA-256 blocks through the CPU's SHA instructions, checked with CPUID (the Swift code falls back).
        .target(name: "CSHA256", cSettings: ownCSections),
        // The one small Swift wrapper that keeps libxlsxwriter's C types out of the rest.
        .target(name: "XlsxWriter", dependencies: ["CXlsxWriter", "CMemoryParts"], swiftSettings: ownSections),
        // All of the pipeline: reading → validation → computation → writing.
        // ZIPFoundation: reading .xlsx submissions (unzip; the XML goes through Foundation's XMLParser).
        .target(name: "SafetyReport", dependencies: [
            "XlsxWriter", "CSHA256", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: ownSections),
        // The thin command-line shell.
        .executableTarget(
            name: "safety-report",
            dependencies: [
                "SafetyReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["hot-functions.txt"],
            swiftSettings: ownSections,
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--symbol-ordering-file=" + hotFunctions,
                                           "-Xlinker", "--no-warn-symbol-ordering"], release)]
        ),
        .testTarget(
            name: "SafetyReportTests",
            dependencies: [
                "SafetyReport", "XlsxWriter",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
