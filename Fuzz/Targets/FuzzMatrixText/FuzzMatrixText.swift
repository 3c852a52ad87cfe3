import Fovea
import FuzzDriver

/// libFuzzer target: the matrix text of `fovea apply` (`MatrixText.parse` for inputs,
/// `MatrixText.numbers` for flag lists) on the fuzzer's bytes as text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatrixText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let (values, shape) = try? MatrixText.parse(text) {
        precondition(values.count == shape.reduce(1, *), "MatrixText.parse: \(values.count) values for shape \(shape)")
    }
    _ = try? MatrixText.numbers(text)
    return 0
}

@_cdecl("FuzzMatrixText_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzMatrixText)
}
