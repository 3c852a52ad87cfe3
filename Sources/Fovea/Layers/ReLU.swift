/// Rectified linear unit, `y = max(x, 0)`, elementwise on any shape.
/// Backward: `dx = dy` where `y > 0`, else 0 (the subgradient at 0 is taken as 0).
public struct ReLU: Layer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public var specification: LayerSpecification { .relu }
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }

    public func forward(_ pass: LayerForward) {
        let count = pass.batch * shape.count
        for i in 0 ..< count { pass.output[i] = max(pass.input[i], 0) }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        let count = pass.batch * shape.count
        for i in 0 ..< count { dInput[i] = pass.output[i] > 0 ? pass.dOutput[i] : 0 }
    }
}
