/// The step between the shards' backward passes and the optimizer: sums the shards' gradient
/// buffers in shard order and hands the sum, range by range, to the optimizer's update.
///
/// Each worker owns one contiguous slice of the parameter vector and walks it in blocks of
/// `blockSize` values that never cross a tensor boundary: it adds the block of shards 0, 1, 2, …,
/// in that order, into its own scratch block (which stays in L1), then calls `Optimizer.update`
/// on it. So each gradient value is read once from memory and never written back, every
/// element's sum has one fixed order whatever the thread count, and the writes of two workers
/// never touch the same element. (Across processes, `DistributedStep` first sums the shards in
/// the same shard order and hands this step the sum as a single shard.) With `--clip-grad-norm`,
/// each summed block is multiplied by the step's clipping factor (`GradientClipping`, from the
/// norm `GradientNorm` computed in a pass before this one) before the optimizer sees it, so
/// weight decay is added to the clipped gradient, as in PyTorch.
public final class GradientReduction: @unchecked Sendable {
    /// Parameter ranges, one per tensor, with whether weight decay applies.
    let segments: [(range: Range<Int>, decays: Bool)]
    public let parameterCount: Int
    /// The most workers an update uses; each has `blockSize` floats of `scratch`.
    public let workers: Int
    /// One block per worker for the sum of the shards; worker `w` uses only block `w`.
    private let scratch: AlignedBuffer

    /// Values per block: small enough that a block of every shard, the parameters, the
    /// optimizer's state and the sum stay in L1/L2 between the sum and the update.
    static let blockSize = 2048

    /// A reduction for `network`'s parameters on up to `threads` threads.
    public init(network: Network, threads: Int) {
        segments = network.parameterTensors.map { ($0.range, $0.shape.decays) }
        parameterCount = network.parameterCount
        workers = max(1, threads)
        scratch = AlignedBuffer(count: workers * GradientReduction.blockSize)
    }

    /// One update: `parameters` from the sum of `gradients[0 ..< shards]` (read only) times
    /// `gradientFactor` (the clipping factor; 1: the sum as it is), `optimizer`'s rule and
    /// `state`, at `learningRate`, on up to `threads` threads (at most `workers`).
    /// Safety: this is the only writer of the parameters and the state while it runs; it splits
    /// them by parameter index into disjoint ranges, one per worker, and worker `w` writes only
    /// scratch block `w`.
    public func apply(_ optimizer: any Optimizer, parameters: AlignedBuffer, gradients: [AlignedBuffer], shards: Int,
                      state: OptimizerState, learningRate: Double, gradientFactor: Float = 1, threads: Int) {
        precondition(shards >= 1 && shards <= gradients.count, "update with \(shards) of \(gradients.count) gradient buffers")
        precondition(parameters.count == parameterCount && state.parameterCount == parameterCount,
                     "parameters \(parameters.count), state \(state.parameterCount), network \(parameterCount)")
        let segments = self.segments
        let step = state.step + 1
        let stride = state.stride
        let count = parameterCount
        // Below about 16K parameters one thread finishes the pass in less time than a parallel
        // region costs (a few µs on the spinning `WorkerPool`).
        let workers = max(1, min(count >= 1 << 14 ? threads : 1, self.workers, count))
        let blockSize = GradientReduction.blockSize
        // Parallel over parameter index: worker w owns the contiguous range
        // `count·w/workers ..< count·(w+1)/workers` of the parameters and the state.
        AlignedBuffer.withBaseAddresses([parameters, state.buffer, scratch] + gradients.prefix(shards)) { pointers in
            Parallel.run(workers: workers) { w in
                let chunk = count * w / workers ..< count * (w + 1) / workers
                let sum = pointers[2].pointer + w * blockSize
                for segment in segments {
                    var start = max(segment.range.lowerBound, chunk.lowerBound)
                    let end = min(segment.range.upperBound, chunk.upperBound)
                    while start < end {
                        let block = start ..< min(start + blockSize, end)
                        // The block's sum: the first shard's gradient itself when there is one
                        // shard, else the shards added in order into the scratch block; then,
                        // when clipping, times the factor into the scratch block.
                        var gradient = UnsafePointer(pointers[3].pointer + block.lowerBound)
                        if pointers.count > 4 {
                            sum.update(from: gradient, count: block.count)
                            for shard in 4 ..< pointers.count {
                                Elementwise.add(pointers[shard].pointer + block.lowerBound, into: sum, count: block.count)
                            }
                            gradient = UnsafePointer(sum)
                        }
                        if gradientFactor != 1 {
                            GradientClipping.scale(gradient, by: gradientFactor, into: sum, count: block.count)
                            gradient = UnsafePointer(sum)
                        }
                        optimizer.update(ParameterUpdate(range: block, parameters: pointers[0].pointer + block.lowerBound,
                                                         gradient: gradient, decays: segment.decays, learningRate: learningRate,
                                                         step: step, stateBase: pointers[1].pointer + block.lowerBound,
                                                         stateStride: stride))
                        start = block.upperBound
                    }
                }
            }
        }
        state.step = step
    }
}
