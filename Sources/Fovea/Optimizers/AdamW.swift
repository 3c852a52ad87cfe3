/// AdamW (Loshchilov & Hutter 2019) exactly as PyTorch's `torch.optim.AdamW` defines it:
/// Adam whose weight decay is decoupled from the gradient, shrinking the weights before the
/// step. Per element, at update `t`:
/// ```
/// w *= 1 − lr·λ                             (weights only; PyTorch decays every tensor)
/// then Adam's update of m, v and w with the undecayed gradient
/// ```
/// State: `m` and `v`. Defaults are PyTorch's: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-8, weight
/// decay 0.01.
public struct AdamW: Optimizer, Hashable {
    public static let name = "adamw"
    public static let title = "AdamW"
    public static let hyperParameters = AdamMoments.hyperParameters(weightDecay: 0.01)
    public static let stateNames = AdamMoments.stateNames

    public var learningRate: Double
    public var moments: AdamMoments
    /// Decoupled weight decay λ: each step multiplies the weights (not biases) by `1 − lr·λ`.
    public var weightDecay: Double

    public init(learningRate: Double = 0.001, moments: AdamMoments = AdamMoments(), weightDecay: Double = 0.01) {
        self.learningRate = learningRate
        self.moments = moments
        self.weightDecay = weightDecay
    }

    public init(values: [Double]) {
        self.init(learningRate: values[0], moments: AdamMoments(values: values[1 ... 3]), weightDecay: values[4])
    }

    public var values: [Double] { [learningRate] + moments.values + [weightDecay] }

    public func update(_ u: ParameterUpdate) {
        // PyTorch: param.mul_(1 - lr * weight_decay), the factor a Python float.
        moments.update(u, gradientDecay: 0, shrink: u.decays ? Float(1 - u.learningRate * weightDecay) : 1)
    }
}
