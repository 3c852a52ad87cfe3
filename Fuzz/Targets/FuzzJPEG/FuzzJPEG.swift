import Fovea
import FuzzDriver

/// libFuzzer target: the JPEG reader (libjpeg-turbo behind Fovea's checks, and the EXIF orientation parser).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEGReader.decode(bytes, file: "fuzz.JPEG")
    return 0
}

@_cdecl("FuzzJPEG_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzJPEG)
}
