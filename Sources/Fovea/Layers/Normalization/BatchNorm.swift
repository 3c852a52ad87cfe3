/// Batch normalization (Ioffe & Szegedy 2015) as PyTorch's `BatchNorm2d` after a convolution
/// (per channel, over the batch and the image) and `BatchNorm1d` after a dense layer (per
/// feature, over the batch): `y = γ · (x − μ) / √(σ² + ε) + β` with ε = 1e−5.
///
/// Shapes: x and y `[N, C, H, W]` (`[N, C, 1, 1]` for flat features); γ (`weight`), β (`bias`),
/// `running_mean` and `running_var` `[C]`.
///
/// Training: μ and σ² (biased) are the statistics of the whole batch, every shard's samples
/// (`BatchStatisticsLayer`): each shard's mean and sum of squared deviations, summed in Double
/// per channel, combined in shard order (Chan et al.'s pairwise update). After each applied
/// step the running statistics move by momentum 0.1: `running = 0.9 · running + 0.1 · batch`,
/// with the unbiased variance `σ² · n / (n − 1)` (n values per channel; σ² itself when n = 1).
/// Evaluation uses the running statistics, which checkpoints keep.
///
/// Backward, with x̂ = (x − μ) / √(σ² + ε) and n values per channel over the batch:
/// `dβ = Σ dy`, `dγ = Σ dy · x̂`, `dx = γ / √(σ² + ε) · (dy − dβ / n − x̂ · dγ / n)`.
/// γ and β take no weight decay (like biases).
public struct BatchNorm: BatchStatisticsLayer, RegisteredLayer {
    public let shape: FeatureShape
    public static let epsilon: Float = 1e-5
    public static let momentum: Double = 0.1

    public init(shape: FeatureShape) { self.shape = shape }

    public static let token = "batchnorm"
    public static let identifier = "batchnorm"
    public static let meaning = "batch normalization per channel (per feature after dense); running statistics for evaluation"

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> BatchNorm {
        BatchNorm(shape: input.shape)
    }

    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }
    /// Normalising rescales whatever comes in: the walk for the initialisation gain goes on
    /// past it, to the activation after it.
    public var initializationRole: InitializationRole { .transparent }
    public var parameterShapes: [ParameterShape] {
        [ParameterShape(name: "weight", shape: [channels], decays: false, initialization: .ones),
         ParameterShape(name: "bias", shape: [channels], decays: false, initialization: .zeros)]
    }
    public var stateShapes: [StateShape] {
        [StateShape(name: "running_mean", shape: [channels], initialValue: 0),
         StateShape(name: "running_var", shape: [channels], initialValue: 1)]
    }
    /// The statistics of the last training pass on its own: partials, forward statistics,
    /// backward sums (`statisticsCount` each).
    public func cacheCount(batch: Int) -> Int { 3 * statisticsCount }
    /// Flat features only: per-feature Double sums and coefficients (`FlatFeatures`).
    public func scratchCount(batch: Int) -> Int { plane == 1 ? 6 * channels : 0 }
    public var multiplyAccumulates: Int { shape.count }

    private var channels: Int { shape.channels }
    /// Values per channel in one sample.
    private var plane: Int { shape.height * shape.width }
    /// Mean and variance per channel (forward); Σ dy and Σ dy · x̂ per channel (backward).
    public var statisticsCount: Int { 2 * channels }

    // MARK: forward

    public func forward(_ pass: LayerForward) {
        guard pass.training else {
            // Evaluation: the running statistics.
            normalize(pass, mean: pass.state, variance: pass.state + channels)
            return
        }
        let partial = pass.cache, statistics = pass.cache + statisticsCount
        forwardStatistics(pass, into: partial)
        combineForwardStatistics([UnsafePointer(partial)], batches: [pass.batch], into: statistics)
        forward(pass, statistics: statistics)
    }

    /// Per channel: the shard's mean, then its sum of squared deviations from it (two passes).
    public func forwardStatistics(_ pass: LayerForward, into partial: UnsafeMutablePointer<Float>) {
        let x = pass.input
        let count = Double(pass.batch * plane)
        if plane == 1 {
            let flat = FlatFeatures(features: channels, batch: pass.batch, scratch: pass.scratch)
            flat.sums({ i, _ in Double(x[i]) }) { c, total in partial[c] = Float(total / count) }
            flat.sums({ i, c in let d = Double(x[i] - partial[c]); return d * d }) { c, total in partial[channels + c] = Float(total) }
            return
        }
        for c in 0 ..< channels {
            let mean = Float(sumOverPlanes(c, batch: pass.batch, plane: { Elementwise.sum(x + $0, count: $1) },
                                           value: { Double(x[$0]) }) / count)
            partial[c] = mean
            partial[channels + c] = Float(sumOverPlanes(c, batch: pass.batch,
                                                        plane: { Elementwise.sumOfSquaredDeviations(x + $0, count: $1, from: mean) },
                                                        value: { let d = Double(x[$0] - mean); return d * d }))
        }
    }

    /// A sum over channel c's values in a shard, in Double, in sample order: each plane by
    /// `plane(offset, count)` (vectorised in `Elementwise`), or, for planes too small for a
    /// vector (2 to 15 values: flat features, one value each, go through `FlatFeatures`
    /// instead), value by value through `value(index)`, where a call per plane would cost more
    /// than the sum.
    @inline(__always)
    private func sumOverPlanes(_ c: Int, batch: Int, plane planeSum: (Int, Int) -> Float, value: (Int) -> Double) -> Double {
        var total = 0.0
        for n in 0 ..< batch {
            let offset = (n * channels + c) * plane
            if plane >= 16 {
                total += Double(planeSum(offset, plane))
            } else {
                for i in offset ..< offset + plane { total += value(i) }
            }
        }
        return total
    }

    /// Chan et al.'s update, shard after shard: with counts a and b, means m_a and m_b and
    /// squared-deviation sums s_a and s_b, `m = m_a + (m_b − m_a) · b / (a + b)` and
    /// `s = s_a + s_b + (m_b − m_a)² · a · b / (a + b)`; the variance is `s / n`.
    public func combineForwardStatistics(_ partials: [UnsafePointer<Float>], batches: [Int], into statistics: UnsafeMutablePointer<Float>) {
        for c in 0 ..< channels {
            var count = 0.0, mean = 0.0, squares = 0.0
            for (partial, batch) in zip(partials, batches) where batch > 0 {
                let b = Double(batch * plane), shardMean = Double(partial[c])
                let delta = shardMean - mean
                let total = count + b
                mean += delta * b / total
                squares += Double(partial[channels + c]) + delta * delta * count * b / total
                count = total
            }
            statistics[c] = Float(mean)
            statistics[channels + c] = Float(squares / max(count, 1))
        }
    }

    public func forward(_ pass: LayerForward, statistics: UnsafePointer<Float>) {
        normalize(pass, mean: statistics, variance: statistics + channels)
    }

    /// `y = x · scale + shift` per channel, `scale = γ / √(σ² + ε)`, `shift = β − μ · scale`.
    private func normalize(_ pass: LayerForward, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>) {
        let gamma = pass.parameters, beta = pass.parameters + channels
        if plane == 1 {
            let scale = pass.scratch, shift = pass.scratch + channels
            for c in 0 ..< channels {
                (scale[c], shift[c]) = BatchNorm.scaleAndShift(gamma: gamma[c], beta: beta[c], mean: mean[c], variance: variance[c])
            }
            FlatFeatures(features: channels, batch: pass.batch, scratch: pass.scratch).map { i, c in
                pass.output[i] = pass.input[i] * scale[c] + shift[c]
            }
            return
        }
        for c in 0 ..< channels {
            let (scale, shift) = BatchNorm.scaleAndShift(gamma: gamma[c], beta: beta[c], mean: mean[c], variance: variance[c])
            for n in 0 ..< pass.batch {
                let offset = (n * channels + c) * plane
                Elementwise.affine(pass.input + offset, pass.output + offset, count: plane, scale: scale, shift: shift)
            }
        }
    }

    // MARK: backward

    /// The backward pass reads the input, the output gradient and the cache, never the output
    /// (so an activation after it can run in place).
    public var backwardReadsOutput: Bool { false }

    public func backward(_ pass: LayerBackward) {
        let statistics = pass.cache + statisticsCount, partial = UnsafeMutablePointer(mutating: pass.cache)
        let sums = UnsafeMutablePointer(mutating: pass.cache + 2 * statisticsCount)
        backwardStatistics(pass, forwardStatistics: statistics, into: partial)
        combineBackwardStatistics([UnsafePointer(partial)], into: sums)
        backward(pass, forwardStatistics: statistics, backwardSums: sums, wholeBatch: pass.batch)
    }

    /// Per channel: the shard's Σ dy and Σ dy · x̂ (each plane summed by `Elementwise`, the
    /// planes added in Double in sample order), which are also its gradient of β and γ.
    public func backwardStatistics(_ pass: LayerBackward, forwardStatistics: UnsafePointer<Float>, into partial: UnsafeMutablePointer<Float>) {
        if plane == 1 {
            let dy = pass.dOutput, x = pass.input, mean = forwardStatistics
            // After the two Double sums' 4 · C floats.
            let inverse = pass.scratch + 4 * channels
            for c in 0 ..< channels { inverse[c] = BatchNorm.inverseDeviation(forwardStatistics[channels + c]) }
            let flat = FlatFeatures(features: channels, batch: pass.batch, scratch: pass.scratch)
            flat.sums({ i, _ in Double(dy[i]) }) { c, total in
                partial[c] = Float(total)
                pass.dParameters[channels + c] = Float(total)
            }
            flat.sums({ i, c in Double(dy[i] * ((x[i] - mean[c]) * inverse[c])) }) { c, total in
                partial[channels + c] = Float(total)
                pass.dParameters[c] = Float(total)
            }
            return
        }
        for c in 0 ..< channels {
            let mean = forwardStatistics[c]
            let inverse = BatchNorm.inverseDeviation(forwardStatistics[channels + c])
            let dy = pass.dOutput, x = pass.input
            let sumDy = sumOverPlanes(c, batch: pass.batch, plane: { Elementwise.sum(dy + $0, count: $1) }, value: { Double(dy[$0]) })
            let sumDyXhat = sumOverPlanes(c, batch: pass.batch,
                                          plane: { Elementwise.sumOfProducts(dy + $0, x + $0, count: $1, shiftedBy: mean, scaledBy: inverse) },
                                          value: { Double(dy[$0] * ((x[$0] - mean) * inverse)) })
            partial[c] = Float(sumDy)
            partial[channels + c] = Float(sumDyXhat)
            pass.dParameters[c] = Float(sumDyXhat)
            pass.dParameters[channels + c] = Float(sumDy)
        }
    }

    public func combineBackwardStatistics(_ partials: [UnsafePointer<Float>], into sums: UnsafeMutablePointer<Float>) {
        for i in 0 ..< statisticsCount {
            var total = 0.0
            for partial in partials { total += Double(partial[i]) }
            sums[i] = Float(total)
        }
    }

    public func backward(_ pass: LayerBackward, forwardStatistics: UnsafePointer<Float>, backwardSums: UnsafePointer<Float>, wholeBatch: Int) {
        guard let dInput = pass.dInput else { return }
        let count = Float(wholeBatch * plane)
        if plane == 1 {
            let mean = forwardStatistics, dy = pass.dOutput, x = pass.input
            let inverse = pass.scratch, gain = pass.scratch + channels
            let meanDy = pass.scratch + 2 * channels, meanDyXhat = pass.scratch + 3 * channels
            for c in 0 ..< channels {
                inverse[c] = BatchNorm.inverseDeviation(forwardStatistics[channels + c])
                gain[c] = pass.parameters[c] * inverse[c]
                meanDy[c] = backwardSums[c] / count
                meanDyXhat[c] = backwardSums[channels + c] / count
            }
            FlatFeatures(features: channels, batch: pass.batch, scratch: pass.scratch).map { i, c in
                dInput[i] = BatchNorm.inputGradient(dy: dy[i], x: x[i], gain: gain[c], meanDy: meanDy[c], mean: mean[c],
                                                    inverse: inverse[c], meanDyXhat: meanDyXhat[c])
            }
            return
        }
        for c in 0 ..< channels {
            let mean = forwardStatistics[c]
            let inverse = BatchNorm.inverseDeviation(forwardStatistics[channels + c])
            let gain = pass.parameters[c] * inverse
            let meanDy = backwardSums[c] / count, meanDyXhat = backwardSums[channels + c] / count
            for n in 0 ..< pass.batch {
                let offset = (n * channels + c) * plane
                BatchNorm.inputGradient(dy: pass.dOutput + offset, x: pass.input + offset, dx: dInput + offset, count: plane,
                                        gain: gain, meanDy: meanDy, mean: mean, inverse: inverse, meanDyXhat: meanDyXhat)
            }
        }
    }

    /// `dx = gain · (dy − mean(dy) − x̂ · mean(dy · x̂))`, `x̂ = (x − μ) · inverse`, over one plane;
    /// the same bits in the vector body and the tail.
    private static func inputGradient(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
                                      gain: Float, meanDy: Float, mean: Float, inverse: Float, meanDyXhat: Float) {
        var i = 0
        while i &+ 16 <= count {
            let xhat = (VectorLanes.load(x + i) - mean) * inverse
            VectorLanes.store(gain * (VectorLanes.load(dy + i) - meanDy - xhat * meanDyXhat), dx + i)
            i &+= 16
        }
        while i < count {
            dx[i] = inputGradient(dy: dy[i], x: x[i], gain: gain, meanDy: meanDy, mean: mean, inverse: inverse, meanDyXhat: meanDyXhat)
            i &+= 1
        }
    }

    /// One value of `inputGradient`: the scalar form of its vector body (the same operations in
    /// the same order), for the tail of a plane and for flat features.
    @inline(__always)
    private static func inputGradient(dy: Float, x: Float, gain: Float, meanDy: Float, mean: Float, inverse: Float, meanDyXhat: Float) -> Float {
        gain * (dy - meanDy - (x - mean) * inverse * meanDyXhat)
    }

    /// `1 / √(σ² + ε)`, the one expression every pass uses.
    @inline(__always)
    private static func inverseDeviation(_ variance: Float) -> Float { 1 / (variance + epsilon).squareRoot() }

    /// The normalization as an affine map of each value: `scale = γ / √(σ² + ε)`,
    /// `shift = β − μ · scale`.
    @inline(__always)
    private static func scaleAndShift(gamma: Float, beta: Float, mean: Float, variance: Float) -> (scale: Float, shift: Float) {
        let scale = gamma / (variance + epsilon).squareRoot()
        return (scale, beta - mean * scale)
    }

    // MARK: state

    public func updateState(_ state: UnsafeMutablePointer<Float>, forwardStatistics: UnsafePointer<Float>, wholeBatch: Int) {
        let n = Double(wholeBatch * plane)
        let unbias = n > 1 ? n / (n - 1) : 1
        let m = BatchNorm.momentum
        for c in 0 ..< channels {
            state[c] = Float((1 - m) * Double(state[c]) + m * Double(forwardStatistics[c]))
            state[channels + c] = Float((1 - m) * Double(state[channels + c]) + m * Double(forwardStatistics[channels + c]) * unbias)
        }
    }
}

/// Batch normalization of flat features (`[N, C]`: after a dense layer, one value per feature
/// and sample): the same sums in the same order and the same formulas as for images, but with the
/// features as the inner loop, so that each sample's row is read once and contiguously and the
/// compiler vectorises across features. Per feature, a sum still adds the samples in order, in
/// Double, from 0: the same bits as `sumOverPlanes`. Image planes of one value each were summed
/// and normalized one value (and one call) at a time, strided by C: batch normalization after
/// dense(256) took 0.05 ms forward and backward for 32 × 256 values.
private struct FlatFeatures {
    let features: Int, batch: Int
    /// At least `2 · features` floats (the Double totals), 8-byte aligned.
    let scratch: UnsafeMutablePointer<Float>

    /// `result(c, Σ_n value(n · C + c, c))` for every feature c, the sum in Double in sample order.
    @inline(__always)
    func sums(_ value: (_ index: Int, _ feature: Int) -> Double, _ result: (_ feature: Int, _ total: Double) -> Void) {
        scratch.withMemoryRebound(to: Double.self, capacity: features) { total in
            total.update(repeating: 0, count: features)
            for n in 0 ..< batch {
                let row = n &* features
                for c in 0 ..< features { total[c] += value(row &+ c, c) }
            }
            for c in 0 ..< features { result(c, total[c]) }
        }
    }

    /// `body(n · C + c, c)` for every sample n and feature c, row by row.
    @inline(__always)
    func map(_ body: (_ index: Int, _ feature: Int) -> Void) {
        for n in 0 ..< batch {
            let row = n &* features
            for c in 0 ..< features { body(row &+ c, c) }
        }
    }
}
