/// Global average pooling: the mean of each channel's plane, `[C, H, W]` → `[C]` (flat features,
/// ready for `dense`), as Keras's `GlobalAveragePooling2D` and PyTorch's
/// `AdaptiveAvgPool2d(1)` followed by `flatten`.
///
/// Forward: each plane summed in `Elementwise.sum`'s fixed order, divided by `H · W`.
/// Backward: every cell of a plane gets `dy / (H · W)`.
public struct GlobalAvgPool: RegisteredLayer {
    public let input: FeatureShape

    public init(input: FeatureShape) { self.input = input }

    public static let token = "globalavgpool"
    public static let identifier = "globalavgpool"
    public static let meaning = "mean of each channel, [C, H, W] to [C]"

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> GlobalAvgPool {
        try input.requireImage(for: "global average pooling")
        return GlobalAvgPool(input: input.shape)
    }

    public var inputShape: FeatureShape { input }
    public var outputShape: FeatureShape { .flat(input.channels) }
    public func outputIsImage(inputIsImage: Bool) -> Bool { false }
    /// Averaging gathers values without an activation of its own: the walk for the
    /// initialisation gain goes on past it.
    public var initializationRole: InitializationRole { .transparent }

    private var plane: Int { input.height * input.width }

    public func forward(_ pass: LayerForward) {
        let divisor = Float(plane)
        for channel in 0 ..< pass.batch * input.channels {
            pass.output[channel] = Elementwise.sum(pass.input + channel * plane, count: plane) / divisor
        }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        let divisor = Float(plane)
        for channel in 0 ..< pass.batch * input.channels {
            (dInput + channel * plane).update(repeating: pass.dOutput[channel] / divisor, count: plane)
        }
    }
}
