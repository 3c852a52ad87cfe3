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
}
