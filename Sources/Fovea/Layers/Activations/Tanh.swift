/// Hyperbolic tangent, `y = tanh x`, elementwise on any shape (PyTorch's `Tanh`;
/// `VectorMath.tanh`). Backward: `dx = dy · (1 − y²)`, from the output.
public struct Tanh: ActivationLayer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "tanh"
    public static let identifier = "tanh"
    public static let meaning = "tanh x"
    /// Its backward pass reads the output only: `1 − y²`.
    public static let derivativeFromOutput = true

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Tanh {
        Tanh(shape: input.shape)
    }

    /// PyTorch's `calculate_gain("tanh")` is 5/3 (on the standard deviation): the layers before
    /// it start with variance `(5/3)² / fan-in`.
    public var initializationRole: InitializationRole { .activation(gain: 25.0 / 9) }

    public func forward(_ pass: LayerForward) { forward(pass, by: Forward.self) }

    public func backward(_ pass: LayerBackward) { backward(pass, by: Backward.self) }

    /// y from x.
    enum Forward: LaneRule {
        @inline(__always)
        static func apply(_ x: SIMD16<Float>, _: SIMD16<Float>, _ _: Float) -> SIMD16<Float> { VectorMath.tanh(x) }
    }

    /// dx from dy and the output.
    enum Backward: LaneRule {
        @inline(__always)
        static func apply(_ dy: SIMD16<Float>, _ y: SIMD16<Float>, _ _: Float) -> SIMD16<Float> { dy * (1 - y * y) }
    }
}
