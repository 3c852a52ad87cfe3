import Fovea
import FuzzDriver

/// libFuzzer target: the model-spec parser (`--model`, and the spec inside every checkpoint) on
/// the fuzzer's bytes as text, then building a network from a parsed spec on a small input
/// (1×8×8 and 3×28×28, 10 classes) and without a loss (`fovea summary`). Every stage must
/// return or throw a ModelSpecError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let spec = try? ModelSpec(text) else { return 0 }
    _ = try? ModelSpec(spec.description)
    for shape in [FeatureShape(channels: 1, height: 8, width: 8), FeatureShape(channels: 3, height: 28, width: 28)] {
        _ = try? Network(spec: spec, inputShape: shape, classes: 10)
        _ = try? Network.layers(of: spec, inputShape: shape)
    }
    return 0
}

@_cdecl("FuzzModelSpec_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzModelSpec)
}
