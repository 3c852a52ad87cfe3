/// Logistic sigmoid, `y = 1 / (1 + e⁻ˣ)`, elementwise on any shape (PyTorch's `Sigmoid`),
/// computed without overflow for any x (`VectorMath.sigmoid`).
/// Backward: `dx = dy · y · (1 − y)`, from the output.
public struct Sigmoid: ActivationLayer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "sigmoid"
    public static let identifier = "sigmoid"
    public static let meaning = "1 / (1 + e^−x)"

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Sigmoid {
        Sigmoid(shape: input.shape)
    }

    /// PyTorch's `calculate_gain("sigmoid")` is 1: the layers before it start with LeCun's
    /// variance.
    public var initializationRole: InitializationRole { .activation(gain: 1) }

    public func forward(_ pass: LayerForward) {
        Elementwise.map(pass.input, pass.output, count: count(pass.batch)) { VectorMath.sigmoid($0) }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        Elementwise.map(pass.dOutput, pass.output, into: dInput, count: count(pass.batch)) { dy, y in dy * y * (1 - y) }
    }
}
