/// Stochastic gradient descent with momentum, Nesterov and weight decay, PyTorch's
/// `torch.optim.SGD` without dampening. Per element, with `g` the batch's summed gradient:
/// ```
/// g += λ·w                    (weights only; PyTorch decays every tensor unless told otherwise)
/// v = μ·v + g
/// w -= lr · (nesterov ? g + μ·v : v)
/// ```
/// State: `velocity`, the momentum buffer `v`. Fovea's defaults are lr 0.03 and momentum 0.9
/// (PyTorch has no default rate and momentum 0).
public struct SGD: Optimizer, Hashable {
    public static let name = "sgd"
    public static let title = "SGD"
    public static let hyperParameters: [HyperParameter] = [
        .learningRate(default: 0.03),
        HyperParameter(key: "momentum", flag: "--momentum", defaultValue: 0.9, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 },
        HyperParameter(key: "nesterov", flag: "--nesterov", defaultValue: 0, requirement: "0 or 1", isSwitch: true) { $0 == 0 || $0 == 1 },
        .weightDecay(default: 0),
    ]
    public static let stateNames = ["velocity"]

    public var learningRate: Double
    /// Momentum μ (0 disables it).
    public var momentum: Double
    /// Nesterov momentum: step along `g + μ·v` instead of `v`.
    public var nesterov: Bool
    /// L2 weight decay λ, added to the gradient of weights (not biases): `g += λ·w`.
    public var weightDecay: Double

    public init(learningRate: Double, momentum: Double = 0.9, nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public init(values: [Double]) {
        self.init(learningRate: values[0], momentum: values[1], nesterov: values[2] != 0, weightDecay: values[3])
    }

    public var values: [Double] { [learningRate, momentum, nesterov ? 1 : 0, weightDecay] }

    public func update(_ u: ParameterUpdate) {
        let lr = Float(u.learningRate), mu = Float(momentum), decay = u.decays ? Float(weightDecay) : 0
        let nesterov = self.nesterov
        let w = u.parameters, g = u.gradient, v = u.state(0)
        // 16 lanes at a time, then one by one: the same operations in the same order per
        // element either way (no fused multiply-adds), so where a range starts never changes a
        // value.
        var i = 0
        while i + 16 <= u.count {
            let weight = VectorLanes.load(w + i)
            let grad = VectorLanes.load(g + i) + decay * weight
            let velocity = mu * VectorLanes.load(v + i) + grad
            VectorLanes.store(velocity, v + i)
            VectorLanes.store(weight - lr * (nesterov ? grad + mu * velocity : velocity), w + i)
            i += 16
        }
        while i < u.count {
            let grad = g[i] + decay * w[i]
            let velocity = mu * v[i] + grad
            v[i] = velocity
            w[i] -= lr * (nesterov ? grad + mu * velocity : velocity)
            i += 1
        }
    }
}

/// The name `SGD`'s hyper-parameters had before optimizers shared one protocol.
public typealias SGDConfiguration = SGD
