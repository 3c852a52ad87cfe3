/// Average pooling: each output is the sum of its `K × K` window divided by `K²`, each channel
/// separately, as PyTorch's `AvgPool2d` with its default `count_include_pad=True`: padded cells
/// count as zeros in the average, so a window half in the padding gives half its cells' mean.
/// (Keras's `AveragePooling2D(padding="same")` divides by the image cells only; Fovea follows
/// PyTorch.) Shapes and windows: `PoolingGeometry`; passes: `SummingPooling` with divisor `K²`.
public struct AvgPool2D: PoolingLayer {
    public let geometry: PoolingGeometry

    public init(geometry: PoolingGeometry) { self.geometry = geometry }

    public static let token = "avgpool"
    public static let identifier = "avgpool"
    public static let title = "average pooling"
    public static let meaning = "mean over K×K windows, padding counted as zeros (stride defaults to K)"

    /// `K²`, padded cells included.
    var divisor: Float { Float(geometry.kernel * geometry.kernel) }

    public func forward(_ pass: LayerForward) {
        SummingPooling.forward(geometry, divisor: divisor, x: pass.input, y: pass.output, planes: planes(pass.batch))
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        SummingPooling.backward(geometry, divisor: divisor, x: pass.input, y: pass.output, dy: pass.dOutput, dx: dInput, planes: planes(pass.batch))
    }
}
