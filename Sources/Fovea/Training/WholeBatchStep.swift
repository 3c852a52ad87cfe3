/// One training step of a network with layers that need whole-batch statistics
/// (`BatchStatisticsLayer`, batch normalization), across the shards of the batch.
///
/// The pass is cut at those layers into parallel regions over the shards; between two regions
/// the shards' partial statistics are reduced once, in shard order:
/// ```
/// region 0:     prepare the shard; forward up to the first such layer; its partial statistics
///               ── combine (forward) ──
/// region r:     that layer with the batch's statistics; forward up to the next one; …
/// last region:  the rest of the forward pass, the loss, backward down to the last such layer;
///               its partial sums ── combine (backward) ──
/// then, down:   that layer's input gradient; backward down to the one before; its partial sums …
/// ```
/// Every shard keeps its own workspace for the whole step (its activations are read again in
/// later regions), so the trainer gives such networks one workspace per shard. The shards
/// depend only on the batch size and each reduction runs in shard order: the result does not
/// depend on `--threads`.
final class WholeBatchStep: @unchecked Sendable {
    let network: Network
    /// Execution positions of the whole-batch layers, ascending.
    let positions: [Int]
    private let layers: [any BatchStatisticsLayer]
    /// Offset of each whole-batch layer's statistics in the buffers below.
    private let offsets: [Int]
    /// Per shard: partial statistics of every whole-batch layer (reused forward and backward).
    private let partials: [AlignedBuffer]
    /// The batch's forward statistics and backward sums of every whole-batch layer.
    private let forwardStatistics: AlignedBuffer
    private let backwardSums: AlignedBuffer

    /// `nil` if `network` has no whole-batch layer.
    init?(network: Network, shards: Int) {
        let found = network.executionLayers.enumerated().compactMap { i, layer in (layer as? any BatchStatisticsLayer).map { (i, $0) } }
        guard !found.isEmpty else { return nil }
        self.network = network
        positions = found.map(\.0)
        layers = found.map(\.1)
        var offsets: [Int] = [], total = 0
        for layer in layers {
            offsets.append(total)
            total += layer.statisticsCount
        }
        self.offsets = offsets
        partials = (0 ..< shards).map { _ in AlignedBuffer(count: total) }
        forwardStatistics = AlignedBuffer(count: total)
        backwardSums = AlignedBuffer(count: total)
    }

    /// What one shard of the step works on. Safety (`@unchecked Sendable`): the pointers are
    /// the trainer's, valid for the whole `run`, and each region writes only shard-owned memory.
    /// The gradient buffer and the workspace are this rank's shards' only (`nil` for the shards
    /// other ranks compute, which are never run here).
    struct Shard: @unchecked Sendable {
        let range: Range<Int>
        let images: UnsafePointer<Float>
        let targets: LossTargets
        let gradients: UnsafeMutablePointer<Float>?
        let workspace: NetworkWorkspace?
    }

    /// Runs the step's passes over `shards`; returns the loss totals of the shards this rank
    /// computed. `prepare(s)` readies shard s's images (in the first region). Across the ranks of
    /// `group`, rank r computes shards `r, r + P, …` (`RoundRobin`; worker w of this rank every
    /// `workers`-th of those), and between two regions every shard's partials go from the rank
    /// that computed them to every rank (`allGatherRoundRobin`, bytes only), so that every rank
    /// reduces all of them, in shard order, to the bits one process gets.
    func run(shards: [Shard], workers: Int, group: any ProcessGroup, gradientScale: Float, parameters: UnsafePointer<Float>,
             state: UnsafePointer<Float>, random: RandomStream, prepare: @Sendable (Int) -> Void) -> ParallelSlots<LossTotals> {
        AlignedBuffer.withBaseAddresses(partials + [forwardStatistics, backwardSums]) { pointers in
            run(shards: shards, workers: workers, group: group, gradientScale: gradientScale, parameters: parameters, state: state,
                random: random, prepare: prepare, partialPointers: Array(pointers.prefix(partials.count)),
                forwardPointer: pointers[partials.count], sumsPointer: pointers[partials.count + 1])
        }
    }

    private func run(shards: [Shard], workers: Int, group: any ProcessGroup, gradientScale: Float, parameters: UnsafePointer<Float>,
                     state: UnsafePointer<Float>, random: RandomStream, prepare: @Sendable (Int) -> Void,
                     partialPointers: [SendablePointer<Float>], forwardPointer: SendablePointer<Float>,
                     sumsPointer: SendablePointer<Float>) -> ParallelSlots<LossTotals> {
        let network = self.network, count = network.executionLayers.count
        let results = ParallelSlots<LossTotals>(count: shards.count)
        let parameters = SendablePointer(UnsafeMutablePointer(mutating: parameters)), state = SendablePointer(UnsafeMutablePointer(mutating: state))
        let wholeBatch = shards.reduce(0) { $0 + $1.range.count }

        let rank = group.rank, ranks = group.size

        /// Parallel over this rank's shards: shard s writes only its workspace, its gradient
        /// buffer, partials[s] and results[s]; the statistics buffers are only read inside a
        /// region.
        func region(_ body: @Sendable (Int, ShardBuffers, UnsafeMutablePointer<Float>) -> Void) {
            Parallel.run(workers: workers) { w in
                var s = rank + w * ranks
                while s < shards.count {
                    let shard = shards[s]
                    if let workspace = shard.workspace, let gradients = shard.gradients {
                        network.withShardBuffers(workspace: workspace, images: shard.images, parameters: parameters.pointer, state: state.pointer) { buffers in
                            body(s, buffers, gradients)
                        }
                    }
                    s += workers * ranks
                }
            }
        }
        /// Whole-batch layer k's partials of every shard, from the rank that computed them to
        /// every rank (nothing to do in one process).
        func sharePartials(_ k: Int) {
            guard ranks > 1 else { return }
            let floats = layers[k].statisticsCount, bytes = floats * MemoryLayout<Float>.stride
            let wordSize = MemoryLayout<UInt64>.stride, width = (bytes + wordSize - 1) / wordSize
            let words = group.allGatherRoundRobin(items: shards.count, width: width) { s, words in
                guard let destination = words.baseAddress else { return }
                UnsafeMutableRawPointer(destination).copyMemory(from: partialPointers[s].pointer + offsets[k], byteCount: bytes)
            }
            words.withUnsafeBytes { all in
                guard let source = all.baseAddress else { return }
                for s in shards.indices where s % ranks != rank {
                    UnsafeMutableRawPointer(partialPointers[s].pointer + offsets[k]).copyMemory(from: source + s * width * wordSize, byteCount: bytes)
                }
            }
        }
        @Sendable func forward(_ i: Int, _ s: Int, _ buffers: ShardBuffers) -> LayerForward {
            buffers.forward(i, batch: shards[s].range.count, training: true, random: random, firstPosition: shards[s].range.lowerBound)
        }
        @Sendable func backward(_ i: Int, _ s: Int, _ buffers: ShardBuffers, _ gradients: UnsafeMutablePointer<Float>) -> LayerBackward {
            let (dOutput, dInput) = buffers.gradientBuffers(forPosition: i)
            return buffers.backward(i, batch: shards[s].range.count, dOutput: dOutput, dInput: dInput, gradients: gradients)
        }

        // Forward, region by region: region r starts with whole-batch layer r − 1 (with the
        // batch's statistics) and ends with whole-batch layer r's partial statistics.
        for r in 0 ... positions.count {
            let start = r == 0 ? 0 : positions[r - 1], end = r < positions.count ? positions[r] : count
            region { s, buffers, gradients in
                if r == 0 { prepare(s) }
                for i in start ..< end {
                    if i == start && r > 0 {
                        self.layers[r - 1].forward(forward(i, s, buffers), statistics: forwardPointer.pointer + self.offsets[r - 1])
                    } else {
                        network.executionLayers[i].forward(forward(i, s, buffers))
                    }
                }
                if r < self.positions.count {
                    self.layers[r].forwardStatistics(forward(end, s, buffers), into: partialPointers[s].pointer + self.offsets[r])
                } else {
                    // The end of the forward pass: the loss, then backward down to the last
                    // whole-batch layer, whose partial sums end the region.
                    let dOutput = buffers.gradientBuffers.0
                    results[s] = network.loss.evaluate(output: buffers.networkOutput, outputCount: network.outputCount,
                                                       targets: shards[s].targets, batch: shards[s].range.count,
                                                       dOutput: dOutput, gradientScale: gradientScale)
                    let last = self.positions.count - 1
                    for i in stride(from: count - 1, to: self.positions[last], by: -1) {
                        network.executionLayers[i].backward(backward(i, s, buffers, gradients))
                    }
                    self.layers[last].backwardStatistics(backward(self.positions[last], s, buffers, gradients),
                                                         forwardStatistics: forwardPointer.pointer + self.offsets[last],
                                                         into: partialPointers[s].pointer + self.offsets[last])
                }
            }
            if r < positions.count {
                sharePartials(r)
                layers[r].combineForwardStatistics(shards.indices.map { UnsafePointer(partialPointers[$0].pointer + offsets[r]) },
                                                   batches: shards.map(\.range.count), into: forwardPointer.pointer + offsets[r])
            }
        }

        // Backward, from the last whole-batch layer down: region j starts with layer j's input
        // gradient and ends with layer j − 1's partial sums (or at the first layer).
        for j in stride(from: positions.count - 1, through: 0, by: -1) {
            sharePartials(j)
            layers[j].combineBackwardStatistics(shards.indices.map { UnsafePointer(partialPointers[$0].pointer + offsets[j]) },
                                                into: sumsPointer.pointer + offsets[j])
            let position = positions[j], stop = j > 0 ? positions[j - 1] : -1
            region { s, buffers, gradients in
                self.layers[j].backward(backward(position, s, buffers, gradients), forwardStatistics: forwardPointer.pointer + self.offsets[j],
                                        backwardSums: sumsPointer.pointer + self.offsets[j], wholeBatch: wholeBatch)
                for i in stride(from: position - 1, to: stop, by: -1) {
                    network.executionLayers[i].backward(backward(i, s, buffers, gradients))
                }
                if j > 0 {
                    self.layers[j - 1].backwardStatistics(backward(stop, s, buffers, gradients),
                                                          forwardStatistics: forwardPointer.pointer + self.offsets[j - 1],
                                                          into: partialPointers[s].pointer + self.offsets[j - 1])
                }
            }
        }
        return results
    }

    /// After an applied step of `wholeBatch` samples: every whole-batch layer's state from the
    /// step's batch statistics.
    func updateState(_ state: AlignedBuffer, wholeBatch: Int) {
        AlignedBuffer.withBaseAddresses([state, forwardStatistics]) { pointers in
            for (k, layer) in layers.enumerated() {
                let index = network.executionOrder[positions[k]]
                layer.updateState(pointers[0].pointer + network.stateOffsets[index], forwardStatistics: pointers[1].pointer + offsets[k],
                                  wholeBatch: wholeBatch)
            }
        }
    }
}
