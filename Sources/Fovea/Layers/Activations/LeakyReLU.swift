/// Leaky rectified linear unit, `y = x` for `x > 0`, else `A · x`, elementwise on any shape
/// (PyTorch's `LeakyReLU(negative_slope=A)`, default 0.01; Keras's default is 0.3, write
/// `leakyrelu(0.3)` for it). Backward: `dx = dy` where `x > 0`, else `A · dy`.
public struct LeakyReLU: ActivationLayer {
    public let shape: FeatureShape
    /// The slope `A` for negative inputs, in [0, 1).
    public let slope: Double

    public init(shape: FeatureShape, slope: Double) {
        self.shape = shape
        self.slope = slope
    }

    public static let token = "leakyrelu"
    public static let identifier = "leakyrelu"
    public static let meaning = "x if x > 0, else A·x (A defaults to 0.01)"
    /// Its backward pass reads the output: for a slope A in [0, 1), `y ≤ 0` exactly where
    /// `x ≤ 0` (−0, +0 and NaN included), so `dx` has the same bits as from the input (PyTorch
    /// reads the input, or the output for an in-place leaky ReLU), and the layer can run in place.
    public static let derivativeFromOutput = true
    public static let arguments: [LayerArgument] = [
        .optionalPositional("slope", placeholder: "A", .real(.closedOpen(0, 1)), default: .real(0.01), describedAs: "the negative slope"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> LeakyReLU {
        LeakyReLU(shape: input.shape, slope: arguments.real("slope"))
    }

    public var argumentValues: LayerArguments { ["slope": .real(slope)] }
    /// He's gain for a leaky ReLU, `2 / (1 + A²)` (PyTorch's `calculate_gain("leaky_relu", A)`,
    /// squared).
    public var initializationRole: InitializationRole { .activation(gain: 2 / (1 + slope * slope)) }

    public func forward(_ pass: LayerForward) { forward(pass, by: Forward.self, parameter: Float(slope)) }

    public func backward(_ pass: LayerBackward) { backward(pass, by: Backward.self, parameter: Float(slope)) }

    /// y from x.
    enum Forward: LaneRule {
        @inline(__always)
        static func apply(_ x: SIMD16<Float>, _: SIMD16<Float>, _ slope: Float) -> SIMD16<Float> { x.replacing(with: x * slope, where: x .<= 0) }
    }

    /// dx from dy and the output.
    enum Backward: LaneRule {
        @inline(__always)
        static func apply(_ dy: SIMD16<Float>, _ y: SIMD16<Float>, _ slope: Float) -> SIMD16<Float> { dy.replacing(with: dy * slope, where: y .<= 0) }
    }
}
