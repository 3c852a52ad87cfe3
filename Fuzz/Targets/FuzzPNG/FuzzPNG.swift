import Fovea
import FuzzDriver

/// libFuzzer target: the PNG reader (libpng behind Fovea's size checks).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? PNGReader.decode(bytes, file: "fuzz.png")
    return 0
}

@_cdecl("FuzzPNG_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzPNG)
}
