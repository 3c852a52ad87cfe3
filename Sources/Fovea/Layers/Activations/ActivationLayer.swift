/// What the activation kinds share: they map each value on its own, so the output has the input's
/// shape, whatever it is (an image or flat features). Each kind, in its own file, adds its
/// token, arguments and forward/backward pair, vectorised through `Elementwise.map` with its `LaneRule`s.
public protocol ActivationLayer: RegisteredLayer {
    /// Per-sample shape `[C, H, W]` of the input and the output.
    var shape: FeatureShape { get }
    /// Whether the backward pass computes `dx` from the output (`dx = rule(dy, y)`: every kind
    /// so far) rather than from the input (a kind whose derivative the output does not
    /// determine, such as GELU). A kind that reads its output runs in place after a layer whose
    /// own backward pass does not read its output (`runsInPlace(after:)`).
    static var derivativeFromOutput: Bool { get }
}

extension ActivationLayer {
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }

    /// In a training workspace, writes over the output of `previous` when the derivative
    /// comes from the output and `previous` does not read that memory backward.
    public func runsInPlace(after previous: any Layer) -> Bool { Self.derivativeFromOutput && !previous.backwardReadsOutput }

    /// Values in a shard of `batch` samples.
    func count(_ batch: Int) -> Int { batch * shape.count }

    /// The forward pass by `rule` (`y = rule(x, x, parameter)`).
    @inline(__always)
    func forward<Rule: LaneRule>(_ pass: LayerForward, by rule: Rule.Type, parameter: Float = 0) {
        Elementwise.map(pass.input, pass.input, into: pass.output, count: count(pass.batch), parameter: parameter, rule)
    }

    /// The backward pass by `rule` (`dx = rule(dy, y or x, parameter)`: the output when
    /// `derivativeFromOutput`, else the input).
    @inline(__always)
    func backward<Rule: LaneRule>(_ pass: LayerBackward, by rule: Rule.Type, parameter: Float = 0) {
        guard let dInput = pass.dInput else { return }
        Elementwise.map(pass.dOutput, Self.derivativeFromOutput ? pass.output : pass.input, into: dInput, count: count(pass.batch),
                        parameter: parameter, rule)
    }
}
