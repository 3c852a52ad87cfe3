/// Min pooling: each output is the smallest value of its `K × K` window (padded cells never
/// win), each channel separately; PyTorch has no layer for it (it is `−maxpool(−x)`), and that
/// is what this computes, gradient included. Shapes and windows: `PoolingGeometry`; passes:
/// `SelectionPooling` (the gradient goes to the window's first minimum in row-major order).
public struct MinPool2D: PoolingLayer {
    public let geometry: PoolingGeometry

    public init(geometry: PoolingGeometry) { self.geometry = geometry }

    public static let token = "minpool"
    public static let identifier = "minpool"
    public static let title = "min pooling"
    public static let meaning = "min over K×K windows (stride defaults to K; padding never wins)"

    public func forward(_ pass: LayerForward) {
        SelectionPooling<Smaller>.forward(geometry, x: pass.input, y: pass.output, planes: planes(pass.batch))
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        SelectionPooling<Smaller>.backward(geometry, x: pass.input, y: pass.output, dy: pass.dOutput, dx: dInput, planes: planes(pass.batch))
    }
}

/// Min pooling's choice: the smaller value.
enum Smaller: PoolingSelection {
    @inline(__always)
    static func prefers(_ candidate: Float, over best: Float) -> Bool { candidate < best }
    @inline(__always)
    static func prefers(_ candidate: SIMD16<Float>, over best: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>> { candidate .< best }
}
