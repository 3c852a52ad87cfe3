/// Logistic sigmoid, `y = 1 / (1 + e⁻ˣ)`, elementwise on any shape (PyTorch's `Sigmoid`),
/// computed without overflow for any x (`VectorMath.sigmoid`).
/// Backward: `dx = dy · y · (1 − y)`, from the output.
public struct Sigmoid: ActivationLayer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "sigmoid"
    public static let identifier = "sigmoid"
    public static let meaning = "1 / (1 + e^−x)"
    /// Its backward pass reads the output only: `y (1 − y)`.
    public static let derivativeFromOutput = true

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Sigmoid {
        Sigmoid(shape: input.shape)
    }

    /// PyTorch's `calculate_gain("sigmoid")` is 1: the layers before it start with LeCun's
    /// variance.
    public var initializationRole: InitializationRole { .activation(gain: 1) }

    public func forward(_ pass: LayerForward) { forward(pass, by: Forward.self) }

    public func backward(_ pass: LayerBackward) { backward(pass, by: Backward.self) }

    /// y from x.
    enum Forward: LaneRule {
        @inline(__always)
        static func apply(_ x: SIMD16<Float>, _: SIMD16<Float>, _ _: Float) -> SIMD16<Float> { VectorMath.sigmoid(x) }
    }

    /// dx from dy and the output.
    enum Backward: LaneRule {
        @inline(__always)
        static func apply(_ dy: SIMD16<Float>, _ y: SIMD16<Float>, _ _: Float) -> SIMD16<Float> { dy * y * (1 - y) }
    }
}
