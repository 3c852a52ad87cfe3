import Fovea
import FuzzDriver

/// libFuzzer target: the Netpbm reader (PBM, PGM, PPM, plain and raw).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetpbm(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? NetpbmReader.decode(bytes, file: "fuzz.Netpbm")
    return 0
}

@_cdecl("FuzzNetpbm_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzNetpbm)
}
