import Fovea
import FuzzDriver

/// libFuzzer target: the IDX reader on the fuzzer's bytes as a whole file (raw IDX, or gzip when
/// they start with gzip's magic). It must return or throw; a trap, an out-of-bounds access (ASan)
/// or an allocation the input cannot justify (libFuzzer's -malloc_limit_mb) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? IDXFile(fileBytes: bytes, path: "fuzz.idx"), file.count > 0 {
        // Every element the header declares is readable.
        _ = file.value(at: file.count - 1)
    }
    return 0
}

@_cdecl("FuzzIDX_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzIDX)
}
