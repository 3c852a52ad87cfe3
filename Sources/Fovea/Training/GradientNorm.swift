/// The squared global L2 norm `Σ g²` of a step's gradient — the sum of the shards' gradient
/// buffers, exactly the values `GradientReduction` hands to the optimizer — summed in one fixed
/// order, so that it is the same `Double`, bit for bit, for any thread count.
///
/// It is computed before every update: for `--clip-grad-norm` (`GradientClipping`), and to stop
/// a run whose gradient holds a NaN or an infinity before it reaches the weights. A square of a
/// `Float` is at most about 1.2 · 10⁷⁷, so a sum of squares in `Double` overflows for no
/// parameter count: the sum is finite exactly when every element is.
///
/// The fixed order: the parameter vector is cut into blocks of `blockSize` values, block `b`
/// holding the elements `b·blockSize ..< min((b + 1)·blockSize, count)` (fixed by the parameter
/// count alone, not by tensors or threads). In a block, element `i` (counted from the block's
/// start) is the shards' sum in shard order, `((g₀ + g₁) + g₂) + …` in `Float` (the same value
/// `GradientReduction` computes for it), converted to `Double` and squared, and its square is
/// added to running sum `i mod 16` of 16; the block's partial sum is those 16 running sums
/// added from 0 to 15. The sum is the blocks' partial sums added in block order.
///
/// Parallel over blocks: worker `w` of `W` takes the contiguous blocks
/// `blocks·w/W ..< blocks·(w+1)/W` and writes only their slots of `partials`, each slot by one
/// worker; the gradients are only read. The order above does not mention `W`, so neither does
/// the result.
public final class GradientNorm: @unchecked Sendable {
    public let parameterCount: Int
    /// The most workers a pass uses.
    public let workers: Int
    /// `⌈parameterCount / blockSize⌉`.
    let blocks: Int
    /// One partial sum per block, written by the worker that owns the block, read after the pass.
    private let partials: ParallelSlots<Double>

    /// Values per block: the same as `GradientReduction`'s, so that a block of every shard stays
    /// in L1 while it is summed.
    static let blockSize = GradientReduction.blockSize

    /// A norm for a vector of `parameterCount` values on up to `threads` threads.
    public init(parameterCount: Int, threads: Int) {
        self.parameterCount = parameterCount
        workers = max(1, threads)
        blocks = (parameterCount + GradientNorm.blockSize - 1) / GradientNorm.blockSize
        partials = ParallelSlots(count: blocks)
    }

    /// `Σ g²` over the sum of `gradients[0 ..< shards]` (read only), on up to `threads` threads
    /// (at most `workers`). NaN or infinite exactly when some element of the sum is.
    public func sumOfSquares(_ gradients: [AlignedBuffer], shards: Int, threads: Int) -> Double {
        precondition(shards >= 1 && shards <= gradients.count, "norm of \(shards) of \(gradients.count) gradient buffers")
        precondition(gradients.prefix(shards).allSatisfy { $0.count == parameterCount },
                     "gradient buffers of \(gradients.prefix(shards).map(\.count)) values for \(parameterCount) parameters")
        let count = parameterCount, blocks = self.blocks, blockSize = GradientNorm.blockSize
        let partials = self.partials
        // Below about 16K parameters one thread finishes the pass in less time than a parallel
        // region costs (as in `GradientReduction.apply`).
        let workers = max(1, min(count >= 1 << 14 ? threads : 1, self.workers, blocks))
        AlignedBuffer.withBaseAddresses(Array(gradients.prefix(shards))) { pointers in
            Parallel.run(workers: workers) { w in
                for block in blocks * w / workers ..< blocks * (w + 1) / workers {
                    let start = block * blockSize
                    partials[block] = GradientNorm.blockSquares(pointers, start: start, count: min(blockSize, count - start))
                }
            }
        }
        var total: Double = 0
        for block in 0 ..< blocks { total += partials[block] ?? 0 }
        return total
    }

    /// The partial sum of one block: `count` elements from `start`, summed over the shards in
    /// order, squared in `Double` into 16 running sums by position, then the running sums
    /// from 0 to 15. A short last group of 16 is read zero-padded (nothing past the end is
    /// read), and a padding zero adds nothing.
    @inline(__always)
    private static func blockSquares(_ shards: [SendablePointer<Float>], start: Int, count: Int) -> Double {
        var low = SIMD8<Double>(), high = SIMD8<Double>()
        @inline(__always) func add(_ sum: SIMD16<Float>) {
            let first = SIMD8<Double>(sum.lowHalf), second = SIMD8<Double>(sum.highHalf)
            low += first * first
            high += second * second
        }
        var i = 0
        while i &+ 16 <= count {
            var sum = VectorLanes.load(shards[0].pointer + start + i)
            for shard in 1 ..< shards.count { sum += VectorLanes.load(shards[shard].pointer + start + i) }
            add(sum)
            i &+= 16
        }
        if i < count {
            var sum = VectorLanes.load(shards[0].pointer + start + i, count: count &- i)
            for shard in 1 ..< shards.count { sum += VectorLanes.load(shards[shard].pointer + start + i, count: count &- i) }
            add(sum)
        }
        var total: Double = 0
        for lane in 0 ..< 8 { total += low[lane] }
        for lane in 0 ..< 8 { total += high[lane] }
        return total
    }

    /// The first element of the sum of `gradients[0 ..< shards]` that is NaN or infinite, with
    /// its value, or `nil`: where a pass whose sum of squares was not finite went wrong (for
    /// the message; it runs only then).
    public func firstNonFinite(_ gradients: [AlignedBuffer], shards: Int) -> (index: Int, value: Float)? {
        AlignedBuffer.withBaseAddresses(Array(gradients.prefix(shards))) { pointers in
            for index in 0 ..< parameterCount {
                var value = pointers[0].pointer[index]
                for shard in 1 ..< pointers.count { value += pointers[shard].pointer[index] }
                if !value.isFinite { return (index, value) }
            }
            return nil
        }
    }
}
