import Foundation

/// Adam (Kingma & Ba 2015) exactly as PyTorch's `torch.optim.Adam` defines it (no AMSGrad),
/// with L2 weight decay added to the gradient. Per element, at update `t` (1-based):
/// ```
/// g += λ·w                                  (weights only; PyTorch decays every tensor)
/// m = lerp(m, g, 1 − β₁)                    (PyTorch's lerp: β₁·m + (1 − β₁)·g, rounded as it does)
/// v = β₂·v + (1 − β₂)·g·g
/// w += −(lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)   (ε outside the square root)
/// ```
/// State: `m` and `v`, the first and second moment estimates. Defaults are PyTorch's: lr 0.001,
/// β₁ 0.9, β₂ 0.999, ε 1e-8, no weight decay.
public struct Adam: Optimizer, Hashable {
    public static let name = "adam"
    public static let title = "Adam"
    public static let hyperParameters = AdamMoments.hyperParameters(weightDecay: 0)
    public static let stateNames = AdamMoments.stateNames

    public var learningRate: Double
    public var moments: AdamMoments
    /// L2 weight decay λ, added to the gradient of weights (not biases).
    public var weightDecay: Double

    public init(learningRate: Double = 0.001, moments: AdamMoments = AdamMoments(), weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.moments = moments
        self.weightDecay = weightDecay
    }

    public init(values: [Double]) {
        self.init(learningRate: values[0], moments: AdamMoments(values: values[1 ... 3]), weightDecay: values[4])
    }

    public var values: [Double] { [learningRate] + moments.values + [weightDecay] }

    public func update(_ u: ParameterUpdate) {
        moments.update(u, gradientDecay: u.decays ? Float(weightDecay) : 0, shrink: 1)
    }
}

/// Adam's moment estimates and step, shared by `Adam` and `AdamW`: β₁, β₂ and ε, and the update
/// with weight decay either added to the gradient (`gradientDecay`, Adam) or applied to the
/// weights before it (`shrink`, AdamW).
public struct AdamMoments: Hashable, Sendable {
    /// Decay of the first moment, in [0, 1).
    public var beta1: Double
    /// Decay of the second moment, in [0, 1).
    public var beta2: Double
    /// Added to the bias-corrected root of the second moment, > 0.
    public var eps: Double

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    init(values: ArraySlice<Double>) {
        self.init(beta1: values[values.startIndex], beta2: values[values.startIndex + 1], eps: values[values.startIndex + 2])
    }

    var values: [Double] { [beta1, beta2, eps] }

    static let stateNames = ["m", "v"]

    /// lr, β₁, β₂, ε and weight decay (default `weightDecay`), in that order.
    static func hyperParameters(weightDecay: Double) -> [HyperParameter] {
        [
            .learningRate(default: 0.001),
            HyperParameter(key: "beta1", flag: "--beta1", defaultValue: 0.9, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 },
            HyperParameter(key: "beta2", flag: "--beta2", defaultValue: 0.999, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 },
            HyperParameter(key: "eps", flag: "--eps", defaultValue: 1e-8, requirement: "a finite number > 0") { $0 > 0 && $0.isFinite },
            .weightDecay(default: weightDecay),
        ]
    }

    /// One update of `u`'s elements: `w *= shrink`, `g += gradientDecay·w`, then Adam's moments and
    /// step. The scalars are computed in `Double` as PyTorch does (its Python floats), then
    /// rounded to `Float` once.
    func update(_ u: ParameterUpdate, gradientDecay: Float, shrink: Float) {
        let t = Double(u.step)
        let stepSize = Float(u.learningRate / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let a = Float(1 - beta1), b2 = Float(beta2), b = Float(1 - beta2), eps = Float(self.eps)
        // PyTorch's lerp(start, end, weight) is `start + weight·(end − start)` for a weight below
        // 0.5 and `end − (end − start)·(1 − weight)` from 0.5 on (β₁ ≤ 0.5); both are written
        // here as `base + factor·(g − m)` with (base, factor) = (m, a) or (g, a − 1).
        let fromGradient = a >= 0.5, factor = fromGradient ? -(1 - a) : a
        let w = u.parameters, g = u.gradient, m = u.state(0), v = u.state(1)
        // 16 lanes at a time, then one by one, with the same operations per element (no fused
        // multiply-adds; square root and division are correctly rounded in both).
        var i = 0
        while i + 16 <= u.count {
            let weight = VectorLanes.load(w + i) * shrink
            let grad = VectorLanes.load(g + i) + gradientDecay * weight
            let previous = VectorLanes.load(m + i)
            let first = (fromGradient ? grad : previous) + factor * (grad - previous)
            let second = VectorLanes.load(v + i) * b2 + (b * grad) * grad
            VectorLanes.store(first, m + i)
            VectorLanes.store(second, v + i)
            let denominator = second.squareRoot() / correction2 + eps
            VectorLanes.store(weight + -stepSize * (first / denominator), w + i)
            i += 16
        }
        while i < u.count {
            let weight = w[i] * shrink
            let grad = g[i] + gradientDecay * weight
            let first = (fromGradient ? grad : m[i]) + factor * (grad - m[i])
            let second = v[i] * b2 + (b * grad) * grad
            m[i] = first
            v[i] = second
            let denominator = second.squareRoot() / correction2 + eps
            w[i] = weight + -stepSize * (first / denominator)
            i += 1
        }
    }
}
