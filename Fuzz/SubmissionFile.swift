// libFuzzer target: any bytes as each of the four submission files through validation; every row accounted for.

@testable import SafetyReport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubmissionFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let input: FileInput
    do { input = .parsed(fileName: "f.csv", try SourceReader.read(bytes)) } catch { return 0 }
    validateFolder(Dictionary(uniqueKeysWithValues: FileKind.allCases.map { ($0, input) }))
    return 0
}
