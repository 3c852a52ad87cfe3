/// What the activation kinds share: they map each value on its own, so the output has the input's
/// shape, whatever it is (an image or flat features). Each kind, in its own file, adds its
/// token, arguments and forward/backward pair, vectorised through `Elementwise.map` with its `LaneRule`s.
public protocol ActivationLayer: RegisteredLayer {
    /// Per-sample shape `[C, H, W]` of the input and the output.
    var shape: FeatureShape { get }
}

extension ActivationLayer {
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }

    /// Values in a shard of `batch` samples.
    func count(_ batch: Int) -> Int { batch * shape.count }

    /// The forward pass by `rule` (`y = rule(x, x, parameter)`).
    @inline(__always)
    func forward<Rule: LaneRule>(_ pass: LayerForward, by rule: Rule.Type, parameter: Float = 0) {
        Elementwise.map(pass.input, pass.input, into: pass.output, count: count(pass.batch), parameter: parameter, rule)
    }

    /// The backward pass by `rule` (`dx = rule(dy, y or x, parameter)`, the output when
    /// `readingOutput`, else the input).
    @inline(__always)
    func backward<Rule: LaneRule>(_ pass: LayerBackward, by rule: Rule.Type, readingOutput: Bool, parameter: Float = 0) {
        guard let dInput = pass.dInput else { return }
        Elementwise.map(pass.dOutput, readingOutput ? pass.output : pass.input, into: dInput, count: count(pass.batch), parameter: parameter, rule)
    }
}
