/// Sum pooling: each output is the sum of its `K × K` window (padded cells add nothing), each
/// channel separately; PyTorch has no layer for it (it is `K² · avgpool` with padding counted),
/// and that is what this computes. Shapes and windows: `PoolingGeometry`; passes:
/// `SummingPooling` with divisor 1.
public struct SumPool2D: PoolingLayer {
    public let geometry: PoolingGeometry

    public init(geometry: PoolingGeometry) { self.geometry = geometry }

    public static let token = "sumpool"
    public static let identifier = "sumpool"
    public static let title = "sum pooling"
    public static let meaning = "sum over K×K windows (stride defaults to K)"

    public func forward(_ pass: LayerForward) {
        SummingPooling.forward(geometry, divisor: 1, x: pass.input, y: pass.output, planes: planes(pass.batch))
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        SummingPooling.backward(geometry, divisor: 1, x: pass.input, y: pass.output, dy: pass.dOutput, dx: dInput, planes: planes(pass.batch))
    }
}
