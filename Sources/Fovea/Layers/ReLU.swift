/// Rectified linear unit, `y = max(x, 0)`, elementwise on any shape.
/// Backward: `dx = dy` where `y > 0`, else 0 (the subgradient at 0 is taken as 0).
public struct ReLU: Layer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public var specification: LayerSpecification { .relu }
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }

    public func forward(_ pass: LayerForward) {
        Elementwise.relu(pass.input, pass.output, count: pass.batch * shape.count)
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        Elementwise.reluBackward(output: pass.output, dOutput: pass.dOutput, dInput: dInput, count: pass.batch * shape.count)
    }
}
