/// The step between the shards' backward passes and the optimizer: sums the shards' gradient
/// buffers in shard order and hands the sum, range by range, to the optimizer's update.
///
/// Each worker owns one contiguous slice of the parameter vector (`Parallel.forRanges`) and walks
/// it in blocks of `blockSize` values that never cross a tensor boundary: it adds the block of
/// shards 1, 2, … to shard 0's buffer, in that order, then calls `Optimizer.update` on the block
/// while it is still in cache. So each gradient value is read once from memory, every element's
/// sum has one fixed order whatever the thread count, and the writes of two workers never touch
/// the same element. (A multi-process build extends exactly this step: the ranks' sums join in
/// rank order before the update.)
public final class GradientReduction: @unchecked Sendable {
    /// Parameter ranges, one per tensor, with whether weight decay applies.
    let segments: [(range: Range<Int>, decays: Bool)]
    public let parameterCount: Int

    /// Values per block: small enough that a block of every shard, the parameters and the
    /// optimizer's state stay in L1/L2 between the sum and the update.
    static let blockSize = 2048

    public init(network: Network) {
        segments = network.parameterTensors.map { ($0.range, $0.shape.decays) }
        parameterCount = network.parameterCount
    }

    /// One update: `parameters` from the sum of `gradients[0 ..< shards]` (which it overwrites:
    /// `gradients[0]` ends up holding the sum), `optimizer`'s rule and `state`, at
    /// `learningRate`, on `threads` threads.
    /// Safety: this is the only writer of the parameters, the gradients and the state while it
    /// runs; it splits them by parameter index into disjoint ranges, one per worker.
    public func apply(_ optimizer: any Optimizer, parameters: AlignedBuffer, gradients: [AlignedBuffer], shards: Int,
                      state: OptimizerState, learningRate: Double, threads: Int) {
        precondition(shards >= 1 && shards <= gradients.count, "update with \(shards) of \(gradients.count) gradient buffers")
        precondition(parameters.count == parameterCount && state.parameterCount == parameterCount,
                     "parameters \(parameters.count), state \(state.parameterCount), network \(parameterCount)")
        let segments = self.segments
        let step = state.step + 1
        let stride = state.stride
        // Below about 16K parameters one thread finishes the pass in less time than a parallel
        // region costs (a few µs on the spinning `WorkerPool`).
        let workers = parameterCount >= 1 << 14 ? threads : 1
        // Parallel over parameter index: each worker owns one contiguous range of the
        // parameters, of every gradient buffer and of the state.
        AlignedBuffer.withBaseAddresses([parameters, state.buffer] + gradients.prefix(shards)) { pointers in
            Parallel.forRanges(count: parameterCount, workers: workers) { chunk in
                let sum = pointers[2].pointer
                for segment in segments {
                    var start = max(segment.range.lowerBound, chunk.lowerBound)
                    let end = min(segment.range.upperBound, chunk.upperBound)
                    while start < end {
                        let block = start ..< min(start + GradientReduction.blockSize, end)
                        for shard in 3 ..< pointers.count {
                            Elementwise.add(pointers[shard].pointer + block.lowerBound, into: sum + block.lowerBound, count: block.count)
                        }
                        optimizer.update(ParameterUpdate(range: block, parameters: pointers[0].pointer, gradient: sum,
                                                         decays: segment.decays, learningRate: learningRate, step: step,
                                                         stateBase: pointers[1].pointer, stateStride: stride))
                        start = block.upperBound
                    }
                }
            }
        }
        state.step = step
    }
}
