/// Exponential linear unit, `y = x` for `x > 0`, else `A · (eˣ − 1)`, elementwise on any shape
/// (PyTorch's `ELU(alpha=A)` and Keras's, default 1; `VectorMath.expm1` keeps small negative
/// inputs exact). Fovea takes `A > 0` only, so that y has the sign of x.
/// Backward: `dx = dy` where `y > 0`, else `dy · (y + A)` (the derivative `A·eˣ`, from the
/// output, as PyTorch computes it).
public struct ELU: ActivationLayer {
    public let shape: FeatureShape
    /// `A`, the value approached for very negative inputs is `−A`.
    public let alpha: Double

    public init(shape: FeatureShape, alpha: Double) {
        self.shape = shape
        self.alpha = alpha
    }

    public static let token = "elu"
    public static let identifier = "elu"
    public static let meaning = "x if x > 0, else A·(e^x − 1) (A defaults to 1)"
    /// Its backward pass reads the output only: `y > 0`, and `y + α` below it.
    public static let derivativeFromOutput = true
    public static let arguments: [LayerArgument] = [
        .optionalPositional("alpha", placeholder: "A", .real(RealInterval(0, 100, includesLower: false, includesUpper: true)),
                            default: .real(1), describedAs: "alpha"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> ELU {
        ELU(shape: input.shape, alpha: arguments.real("alpha"))
    }

    public var argumentValues: LayerArguments { ["alpha": .real(alpha)] }
    // PyTorch's `calculate_gain` has no entry for ELU: the layers before it keep LeCun's
    // variance (the default role, `.opaque`).

    public func forward(_ pass: LayerForward) { forward(pass, by: Forward.self, parameter: Float(alpha)) }

    public func backward(_ pass: LayerBackward) { backward(pass, by: Backward.self, parameter: Float(alpha)) }

    /// y from x.
    enum Forward: LaneRule {
        @inline(__always)
        static func apply(_ x: SIMD16<Float>, _: SIMD16<Float>, _ alpha: Float) -> SIMD16<Float> { x.replacing(with: alpha * VectorMath.expm1(x), where: x .<= 0) }
    }

    /// dx from dy and the output.
    enum Backward: LaneRule {
        @inline(__always)
        static func apply(_ dy: SIMD16<Float>, _ y: SIMD16<Float>, _ alpha: Float) -> SIMD16<Float> { dy.replacing(with: dy * (y + alpha), where: y .<= 0) }
    }
}
