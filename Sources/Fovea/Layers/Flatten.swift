/// Reshapes `[N, C, H, W]` to `[N, C·H·W]`; the values stay in the same (NCHW) order.
public struct Flatten: RegisteredLayer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "flatten"
    public static let identifier = "flatten"
    public static let meaning = "[C, H, W] to [C·H·W]"

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Flatten {
        Flatten(shape: input.shape)
    }

    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { .flat(shape.count) }
    public func outputIsImage(inputIsImage: Bool) -> Bool { false }
    /// Flattening reshapes: the walk for the initialisation gain goes on past it.
    public var initializationRole: InitializationRole { .transparent }

    public func forward(_ pass: LayerForward) {
        pass.output.update(from: pass.input, count: pass.batch * shape.count)
    }

    public func backward(_ pass: LayerBackward) {
        pass.dInput?.update(from: pass.dOutput, count: pass.batch * shape.count)
    }
}
