import Fovea
import FuzzDriver

/// libFuzzer target: the IDX reader's gzip path. The fuzzer's bytes are an IDX file's contents,
/// gzip-compressed here before reading, so mutations reach the header checks and the inflation
/// into the declared size rather than stopping at a broken deflate stream (the target FuzzIDX
/// mutates compressed bytes directly).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let compressed = try? GzipWriter.compress(bytes, level: 1) else { return 0 }
    if let file = try? IDXFile(fileBytes: compressed, path: "fuzz.idx.gz"), file.count > 0 {
        _ = file.value(at: file.count - 1)
    }
    return 0
}

@_cdecl("FuzzIDXGzip_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzIDXGzip)
}
