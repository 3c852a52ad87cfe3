/// Rectified linear unit, `y = max(x, 0)`, elementwise on any shape.
/// Backward: `dx = dy` where `y > 0`, else 0 (the subgradient at 0 is taken as 0).
public struct ReLU: ActivationLayer {
    public let shape: FeatureShape

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "relu"
    public static let identifier = "relu"
    public static let meaning = "max(x, 0)"
    /// Its backward pass reads the output only: `y > 0`.
    public static let derivativeFromOutput = true

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> ReLU {
        ReLU(shape: input.shape)
    }

    /// The layers before a ReLU start with He's gain, 2.
    public var initializationRole: InitializationRole { .activation(gain: 2) }

    /// A ReLU before a max pooling (any layer that `selectsMaximum`) runs after it, on the pooled
    /// tensor (a quarter of the size for 2 × 2 pooling). Max pooling commutes with ReLU, for the
    /// values and for the gradients: both orders route each window's gradient to its first
    /// maximum if that maximum is positive, and nowhere otherwise, so the results are the same
    /// bit for bit.
    public func commuted(past next: any Layer) -> (any Layer)? {
        next.selectsMaximum ? ReLU(shape: next.outputShape) : nil
    }

    /// Its backward pass reads the output only (`y > 0`). After a max pooling (where the
    /// execution plan moves a ReLU) too, although that layer's backward pass reads its output to
    /// find each window's maximum: where the ReLU changed the output (a maximum below 0) it sends
    /// the pooling a gradient of +0, and +0 added to whichever cell the search then lands on
    /// changes no value (the pooling's gradient sums start at +0, and such a sum is never −0),
    /// so the results are the same bit for bit.
    public func runsInPlace(after previous: any Layer) -> Bool {
        !previous.backwardReadsOutput || previous.selectsMaximum
    }

    public func forward(_ pass: LayerForward) {
        Elementwise.relu(pass.input, pass.output, count: count(pass.batch))
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        Elementwise.reluBackward(output: pass.output, dOutput: pass.dOutput, dInput: dInput, count: count(pass.batch))
    }
}
