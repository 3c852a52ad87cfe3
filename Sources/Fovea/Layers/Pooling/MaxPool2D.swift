/// Max pooling: each output is the largest value of its `K × K` window (padded cells never
/// win), each channel separately, as PyTorch's `MaxPool2d`. Shapes and windows:
/// `PoolingGeometry`; passes: `SelectionPooling` (the gradient goes to the window's first
/// maximum in row-major order).
public struct MaxPool2D: PoolingLayer {
    public let geometry: PoolingGeometry

    public init(geometry: PoolingGeometry) { self.geometry = geometry }

    public static let token = "maxpool"
    public static let identifier = "maxpool"
    public static let title = "max pooling"
    public static let meaning = "max over K×K windows (stride defaults to K; padding never wins)"

    /// Each output is its window's maximum, the gradient routed to the first one: a ReLU before
    /// it runs after it (`ReLU.commuted(past:)`); padding changes nothing there, as it never wins.
    public var selectsMaximum: Bool { true }

    public func forward(_ pass: LayerForward) {
        SelectionPooling<Larger>.forward(geometry, x: pass.input, y: pass.output, planes: planes(pass.batch))
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        SelectionPooling<Larger>.backward(geometry, x: pass.input, y: pass.output, dy: pass.dOutput, dx: dInput, planes: planes(pass.batch))
    }
}

/// Max pooling's choice: the larger value.
enum Larger: PoolingSelection {
    @inline(__always)
    static func prefers(_ candidate: Float, over best: Float) -> Bool { candidate > best }
    @inline(__always)
    static func prefers(_ candidate: SIMD16<Float>, over best: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>> { candidate .> best }
}
