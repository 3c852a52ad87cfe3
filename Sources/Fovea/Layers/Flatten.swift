/// Reshapes `[N, C, H, W]` to `[N, C·H·W]`; the values stay in the same (NCHW) order.
public struct Flatten: Layer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public var specification: LayerSpecification { .flatten }
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { .flat(shape.count) }

    public func forward(_ pass: LayerForward) {
        pass.output.update(from: pass.input, count: pass.batch * shape.count)
    }

    public func backward(_ pass: LayerBackward) {
        pass.dInput?.update(from: pass.dOutput, count: pass.batch * shape.count)
    }
}
