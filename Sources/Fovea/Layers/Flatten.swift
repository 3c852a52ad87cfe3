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

    /// Flattening changes no value, so its output can be its input's memory whatever the layer
    /// before it reads backward: a training workspace keeps no copy. `backwardReadsOutput` keeps
    /// its default (true) on purpose: that memory is still the layer before's output, which an
    /// activation after the flatten must not overwrite unless that layer allows it, and this
    /// answer is the safe one without looking further back.
    public func runsInPlace(after previous: any Layer) -> Bool { true }

    public func forward(_ pass: LayerForward) {
        guard UnsafePointer(pass.output) != pass.input else { return }
        pass.output.update(from: pass.input, count: pass.batch * shape.count)
    }

    public func backward(_ pass: LayerBackward) {
        pass.dInput?.update(from: pass.dOutput, count: pass.batch * shape.count)
    }
}
