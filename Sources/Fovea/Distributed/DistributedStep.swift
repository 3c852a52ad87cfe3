/// The multi-process part of a training step: which shards this rank computes, and how the
/// shards' loss totals and gradients from every rank are combined, in shard order, so that every
/// rank ends the step with the bits a single process would have.
///
/// With `P` ranks, rank `r` computes shards `r, r + P, r + 2P, …` of the batch's
/// `Trainer.shardCount(batch:)` shards (that count depends only on the batch size, never on `P`
/// or the threads). Then:
/// 1. **Loss totals**: each rank's shards' `LossTotals` are all-gathered (as bits), and every
///    rank adds all of them in shard order, `((0 + t₀) + t₁) + …`, as the single-process trainer
///    does.
/// 2. **Reduce-scatter by parameter range**: rank `q` owns the parameters
///    `N·q/P ..< N·(q+1)/P` (`N` the parameter count). Every rank sends the slice of rank `q`'s
///    range of each of its shards' gradients to `q` (one message per shard and destination,
///    tagged with the shard), and receives every other rank's shards' slices of its own range.
///    Rank `q` then sums its range over the shards in shard order, `((g₀ + g₁) + g₂) + …` element
///    by element in `Float` — the same additions `GradientReduction` and `GradientNorm` do.
/// 3. **All-gather** of the summed ranges: every rank has the whole summed gradient, bit for bit
///    the single process's sum. Every rank then computes the norm (`GradientNorm` on the sum,
///    one "shard") and the optimizer update (`GradientReduction` on the sum) itself: they are
///    deterministic functions of identical inputs, so the parameters and the optimizer's state
///    stay identical on every rank without another exchange, and any rank may write checkpoints.
///
/// Nothing is ever added by the transport, and no sum's order depends on `P`, on the threads or
/// on the order messages arrive in (each lands in its own place). A rank keeps a gradient buffer
/// for each of its own shards only, and its range of the others (`received`): about
/// `4N·(⌈S/P⌉ + S/P + 1)` bytes instead of one process's `4N·S`. Bytes a rank receives per step:
/// about `4N·(S/P)·(P−1)/P` in step 2 (`S` shards) and `4N·(P−1)/P` in step 3.
public final class DistributedStep: @unchecked Sendable {
    public let group: any ProcessGroup
    public let parameterCount: Int
    /// The summed gradient, `parameterCount` values: rank `r` writes its own range in step 2,
    /// the all-gather the rest.
    public let summed: AlignedBuffer
    /// This rank's range of every shard's gradient, shard `s` at `s · |range|`: the other ranks'
    /// shards arrive here in step 2 (this rank's own shards are read where they were computed).
    private let received: AlignedBuffer
    /// The most shards of a step.
    public let maximumShards: Int

    /// For steps of at most `maximumShards` shards. Throws `DistributedError.modelTooLarge` if
    /// a message could exceed what MPI counts in an `Int32` of bytes.
    public init(group: any ProcessGroup, parameterCount: Int, maximumShards: Int) throws {
        guard parameterCount <= Int(Int32.max) / MemoryLayout<Float>.stride else {
            throw DistributedError.modelTooLarge(parameters: parameterCount)
        }
        self.group = group
        self.parameterCount = parameterCount
        self.maximumShards = max(1, maximumShards)
        summed = AlignedBuffer(count: parameterCount)
        let largestRange = (0 ..< group.size).map { DistributedStep.ownedRange($0, of: parameterCount, ranks: group.size).count }.max()
        received = AlignedBuffer(count: self.maximumShards * (largestRange ?? parameterCount))
    }

    /// The parameter range rank `q` sums.
    public func ownedRange(_ q: Int) -> Range<Int> {
        DistributedStep.ownedRange(q, of: parameterCount, ranks: group.size)
    }

    /// The range of `parameterCount` parameters rank `q` of `ranks` sums: `N·q/P ..< N·(q+1)/P`.
    static func ownedRange(_ q: Int, of parameterCount: Int, ranks: Int) -> Range<Int> {
        parameterCount * q / ranks ..< parameterCount * (q + 1) / ranks
    }

    /// The sum of every shard's totals, in shard order, on every rank; `local[s]` holds the
    /// totals of this rank's shards `s` (others are not read).
    public func combineTotals(_ local: ParallelSlots<LossTotals>, shards: Int) -> LossTotals {
        let words = group.allGatherRoundRobin(items: shards, width: LossTotals.wordCount) { shard, words in
            (local[shard] ?? LossTotals()).write(words)
        }
        return words.withUnsafeBufferPointer { words in
            (0 ..< shards).reduce(LossTotals()) { sum, shard in
                sum + LossTotals(words: UnsafeBufferPointer(rebasing: words[shard * LossTotals.wordCount ..< (shard + 1) * LossTotals.wordCount]))
            }
        }
    }

    /// Steps 2 and 3 above: the sum of the step's `shards` gradients, in shard order, on every
    /// rank. `own[k]` holds the gradient of this rank's shard `rank + k·P` (every buffer
    /// `parameterCount` floats); the other shards' slices of this rank's range arrive in
    /// `received`. Returns `summed`.
    public func sumGradients(_ own: [AlignedBuffer], shards: Int, threads: Int) -> AlignedBuffer {
        let size = group.size, rank = group.rank
        precondition(shards >= 1 && shards <= maximumShards && own.count >= RoundRobin.count(rank: rank, size: size, items: shards)
                     && own.allSatisfy { $0.count == parameterCount },
                     "sum of \(shards) shards with \(own.count) gradient buffers of this rank for \(parameterCount) parameters")
        let floatSize = MemoryLayout<Float>.stride
        let mine = ownedRange(rank)
        AlignedBuffer.withBaseAddresses([summed, received] + own) { pointers in
            /// Where shard `shard`'s values of this rank's range start (element `mine.lowerBound`).
            @Sendable func rangeStart(_ shard: Int) -> UnsafeMutablePointer<Float> {
                shard % size == rank ? pointers[2 + (shard - rank) / size].pointer + mine.lowerBound
                    : pointers[1].pointer + shard * mine.count
            }
            var sends: [ProcessMessage.Send] = [], receives: [ProcessMessage.Receive] = []
            for shard in 0 ..< shards {
                let owner = shard % size
                if owner == rank {
                    let gradient = pointers[2 + (shard - rank) / size].pointer
                    for q in 0 ..< size where q != rank {
                        let range = ownedRange(q)
                        sends.append(ProcessMessage.Send(to: q, tag: shard, bytes: UnsafeRawBufferPointer(
                            start: gradient + range.lowerBound, count: range.count * floatSize)))
                    }
                } else {
                    receives.append(ProcessMessage.Receive(from: owner, tag: shard, into: UnsafeMutableRawBufferPointer(
                        start: rangeStart(shard), count: mine.count * floatSize)))
                }
            }
            group.exchange(sends: sends, receives: receives)
            // Parallel over this rank's parameter range, cut into contiguous pieces: piece w
            // writes only its own elements of `summed`; the gradients are only read. Each
            // element's sum runs over the shards in order, whatever the piece.
            let workers = mine.count >= 1 << 14 ? threads : 1
            Parallel.forRanges(count: mine.count, workers: workers) { piece in
                let sum = pointers[0].pointer + mine.lowerBound + piece.lowerBound
                sum.update(from: rangeStart(0) + piece.lowerBound, count: piece.count)
                for shard in 1 ..< shards {
                    Elementwise.add(rangeStart(shard) + piece.lowerBound, into: sum, count: piece.count)
                }
            }
            let summedBytes = UnsafeMutableRawBufferPointer(start: pointers[0].pointer, count: parameterCount * floatSize)
            group.allGather(summedBytes, ranges: (0 ..< size).map { q in
                let range = ownedRange(q)
                return range.lowerBound * floatSize ..< range.upperBound * floatSize
            })
        }
        return summed
    }
}

extension Trainer {
    /// Trains from now on as rank `group.rank` of `group.size` processes that each run this same
    /// trainer (same model, options and data): each computes its share of every step's shards,
    /// and the shards are combined in shard order (`DistributedStep`), so every rank's weights,
    /// optimizer state and reports are bit for bit those of one process, for any `size` and
    /// any threads (batch normalization included: its whole-batch statistics are reduced from
    /// every rank's shards, `WholeBatchStep`). A group of one changes nothing. Throws
    /// `DistributedError.modelTooLarge` past MPI's message size.
    public func distribute(over group: any ProcessGroup) throws {
        guard group.size > 1 else {
            distributed = nil
            releaseShardMemory()
            evaluator.group = SingleProcessGroup()
            return
        }
        // Metered, so that each epoch reports what the exchange cost (`EpochReport.communication`).
        let metered = group as? MeteredProcessGroup ?? MeteredProcessGroup(group)
        distributed = try DistributedStep(group: metered, parameterCount: model.network.parameterCount,
                                          maximumShards: Trainer.shardCount(batch: options.batchSize))
        releaseShardMemory()
        evaluator.group = metered
    }

    /// The group this trainer trains in (a `SingleProcessGroup` unless `distribute(over:)` gave
    /// another).
    public var processGroup: any ProcessGroup { distributed?.group ?? SingleProcessGroup() }
}
