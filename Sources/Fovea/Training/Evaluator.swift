/// Loss, accuracy and confusion matrix of a model on a labelled set.
public struct EvaluationResult: Hashable, Sendable {
    /// Mean loss per sample (the network's `loss`).
    public let loss: Double
    /// Fraction of samples whose largest output is the label, in [0, 1]; `nil` for a loss that
    /// does not classify.
    public let accuracy: Double?
    public let count: Int
    /// `confusion[true][predicted]` counts; empty for a loss that does not classify.
    public let confusion: [[Int]]

    public init(loss: Double, accuracy: Double?, count: Int, confusion: [[Int]]) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
        self.confusion = confusion
    }

    /// Accuracy of each true class (`nil` for a class with no samples).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { label, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[label]) / Double(total)
        }
    }
}

/// Evaluates models in parallel with large batches, with the network's loss (and, for a loss that
/// classifies, accuracy and a confusion matrix). The set is cut into chunks of
/// `batchSize` samples; worker `w` takes chunks `w, w + T, w + 2T…`, and the chunks' totals are
/// added in chunk order, so the result does not depend on the number of threads. A worker runs
/// its chunk through the network in shards of `shardCapacity` (in order), which bounds the
/// memory of its workspace.
public final class Evaluator: @unchecked Sendable {
    public let network: Network
    public let batchSize: Int
    public let threads: Int
    /// One inference workspace, input buffer and output buffer per worker; worker `w` uses only
    /// index `w`.
    private let workspaces: [NetworkWorkspace]
    private let inputs: [AlignedBuffer]
    private let outputs: [AlignedBuffer]

    /// Samples a worker runs through the network at once: a chunk is evaluated in shards of
    /// this size (in order), so that the activations of a whole chunk are never held.
    public static let shardCapacity = 32

    public init(network: Network, batchSize: Int = 100, threads: Int) {
        self.network = network
        self.batchSize = batchSize
        self.threads = max(1, threads)
        let capacity = min(batchSize, Evaluator.shardCapacity)
        workspaces = (0 ..< self.threads).map { _ in NetworkWorkspace(network: network, capacity: capacity, training: false) }
        inputs = (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize * network.inputShape.count) }
        outputs = (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize * network.outputCount) }
    }

    public func evaluate(_ model: Model, on set: ImageSet) -> EvaluationResult {
        run(model, on: set, collectingSamples: false).result
    }

    /// The evaluation and, when `collectingSamples`, every sample's outcome in set order (see
    /// `evaluateSamples`; collecting changes none of the aggregate figures). The per-sample work
    /// happens only when asked for, so `evaluate` does nothing more than it always did.
    func run(_ model: Model, on set: ImageSet, collectingSamples: Bool) -> (result: EvaluationResult, samples: [SampleOutcome]) {
        precondition(set.sampleShape == network.inputShape, "evaluating \(network.inputShape) model on \(set.sampleShape) images")
        let classes = network.classes, outputCount = network.outputCount
        let classifies = network.loss.classifies
        let collecting = collectingSamples && classifies
        let chunks = (set.count + batchSize - 1) / batchSize
        let results = ParallelSlots<(LossTotals, [Int], [SampleOutcome])>(count: chunks)
        let normalization = model.normalization
        let sampleSize = network.inputShape.count
        let workers = min(threads, chunks)
        AlignedBuffer.withBaseAddresses([model.parameters, model.state] + inputs + outputs) { pointers in
            let (parameters, state) = (pointers[0], pointers[1])
            let inputs = Array(pointers[2 ..< 2 + threads]), outputs = Array(pointers[(2 + threads)...])
            // Parallel over chunks: chunk c writes only results[c]; worker w only its own buffers.
            Parallel.run(workers: workers) { w in
                var chunk = w
                while chunk < chunks {
                    let start = chunk * batchSize
                    let count = min(batchSize, set.count - start)
                    let x = inputs[w].pointer, y = outputs[w].pointer
                    set.withPixels { pixels in
                        normalization.normalize(pixels.baseAddress! + start * sampleSize, into: x, count: count * sampleSize)
                    }
                    var totals = LossTotals()
                    var shardStart = 0
                    while shardStart < count {
                        let shard = min(Evaluator.shardCapacity, count - shardStart)
                        totals = totals + set.labels.withUnsafeBufferPointer { labels in
                            let first = set.indices.lowerBound + start + shardStart
                            return network.evaluateShard(images: x + shardStart * sampleSize,
                                                         targets: LossTargets(labels: labels.baseAddress! + first, images: x + shardStart * sampleSize,
                                                                              sampleSize: sampleSize),
                                                         batch: shard, parameters: parameters.pointer, state: state.pointer,
                                                         workspace: workspaces[w], output: y + shardStart * outputCount)
                        }
                        shardStart += shard
                    }
                    var confusion = [Int](repeating: 0, count: classifies ? classes * classes : 0)
                    if classifies {
                        for n in 0 ..< count {
                            let predicted = network.loss.predictedClass(output: y + n * outputCount, count: outputCount)
                            confusion[Int(set.label(start + n)) * classes + predicted] += 1
                        }
                    }
                    var samples: [SampleOutcome] = []
                    if collecting {
                        samples.reserveCapacity(count)
                        set.labels.withUnsafeBufferPointer { labels in
                            let first = set.indices.lowerBound + start
                            for n in 0 ..< count {
                                samples.append(SampleOutcome(index: start + n, scores: y + n * outputCount, classes: outputCount,
                                                             loss: network.loss,
                                                             targets: LossTargets(labels: labels.baseAddress! + first + n,
                                                                                  images: x + n * sampleSize, sampleSize: sampleSize)))
                            }
                        }
                    }
                    results[chunk] = (totals, confusion, samples)
                    chunk += workers
                }
            }
        }
        var totals = LossTotals()
        var confusion = [Int](repeating: 0, count: classifies ? classes * classes : 0)
        var samples: [SampleOutcome] = []
        if collecting { samples.reserveCapacity(set.count) }
        for case let (chunkTotals, chunkConfusion, chunkSamples)? in results.values {
            totals = totals + chunkTotals
            for i in confusion.indices { confusion[i] += chunkConfusion[i] }
            samples += chunkSamples
        }
        let n = max(set.count, 1)
        let result = EvaluationResult(loss: totals.loss / Double(n), accuracy: classifies ? Double(totals.correct) / Double(n) : nil,
                                      count: set.count,
                                      confusion: classifies ? (0 ..< classes).map { Array(confusion[$0 * classes ..< ($0 + 1) * classes]) } : [])
        return (result, samples)
    }
}
