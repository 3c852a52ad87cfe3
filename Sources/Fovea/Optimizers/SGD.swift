/// Hyper-parameters of stochastic gradient descent.
public struct SGDConfiguration: Hashable, Sendable, Codable {
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
}

/// Minibatch SGD with momentum, Nesterov and weight decay (PyTorch's formulation, no dampening):
/// ```
/// g = Σ_shards g_s            (in shard order)
/// g += λ·w                    (weights only)
/// v = μ·v + g
/// w -= lr · (nesterov ? g + μ·v : v)
/// ```
/// The sum over shards and the update are one pass over memory, split across threads by
/// parameter index: each element is read and written by one thread only, and its shard sum
/// always runs in the same order, so the thread count never changes a result.
public final class SGD: @unchecked Sendable {
    public let configuration: SGDConfiguration
    /// Momentum buffer `v`, same layout as the parameters.
    public let velocity: AlignedBuffer
    /// Number of updates applied.
    public private(set) var step = 0
    /// Parameter ranges and whether weight decay applies to each.
    let segments: [(range: Range<Int>, decays: Bool)]

    public init(configuration: SGDConfiguration, network: Network) {
        self.configuration = configuration
        velocity = AlignedBuffer(count: network.parameterCount)
        segments = network.parameterTensors.map { ($0.range, $0.shape.decays) }
    }

    /// Applies one update with the summed gradients of the first `shards` buffers.
    /// Safety: this is the only writer of `parameters` and `velocity` while it runs; it splits
    /// them by parameter index into disjoint ranges, one per worker.
    public func update(parameters: AlignedBuffer, gradients: [AlignedBuffer], shards: Int,
                       learningRate: Double, threads: Int) {
        precondition(shards >= 1 && shards <= gradients.count, "update with \(shards) of \(gradients.count) gradient buffers")
        let lr = Float(learningRate), mu = Float(configuration.momentum), decay = Float(configuration.weightDecay)
        let nesterov = configuration.nesterov
        let segments = self.segments
        // Below about 16K parameters one thread finishes the pass in less time than a parallel
        // region costs (a few µs on the spinning `WorkerPool`).
        let workers = parameters.count >= 1 << 14 ? threads : 1
        // Parallel over parameter index: each worker owns one contiguous range of w and v.
        AlignedBuffer.withBaseAddresses([parameters, velocity] + gradients.prefix(shards)) { pointers in
            let sendable = pointers
            Parallel.forRanges(count: parameters.count, workers: workers) { chunk in
                let w = sendable[0].pointer, v = sendable[1].pointer, g = sendable[2...].map(\.pointer)
                for segment in segments {
                    let range = segment.range.clamped(to: chunk)
                    if range.isEmpty { continue }
                    let segmentDecay = segment.decays ? decay : 0
                    // 16 lanes at a time, then one by one: the same operations in the same
                    // order per element either way (no fused multiply-adds), so where a chunk
                    // boundary falls never changes a value.
                    var i = range.lowerBound
                    while i + 16 <= range.upperBound {
                        var grad = VectorLanes.load(g[0] + i)
                        for s in 1 ..< g.count { grad += VectorLanes.load(g[s] + i) }
                        let weight = VectorLanes.load(w + i)
                        grad += segmentDecay * weight
                        let velocity = mu * VectorLanes.load(v + i) + grad
                        VectorLanes.store(velocity, v + i)
                        VectorLanes.store(weight - lr * (nesterov ? grad + mu * velocity : velocity), w + i)
                        i += 16
                    }
                    while i < range.upperBound {
                        var grad = g[0][i]
                        for s in 1 ..< g.count { grad += g[s][i] }
                        grad += segmentDecay * w[i]
                        let velocity = mu * v[i] + grad
                        v[i] = velocity
                        w[i] -= lr * (nesterov ? grad + mu * velocity : velocity)
                        i += 1
                    }
                }
            }
        }
        step += 1
    }

    /// Restores the step count and the momentum buffer (parameter order), for resuming.
    public func restore(step: Int, velocity values: [Float]) {
        self.step = step
        velocity.assign(values)
    }
}
