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
    /// For a loss that does not classify, MSE (and, against the input image, PSNR) over the
    /// samples: the mean of each sample's mean of `(y − t)²`, on the intensity scale
    /// (`ReconstructionQuality`); `nil` for one that classifies.
    public let reconstruction: ReconstructionQuality?
    /// For a loss that does not classify, `reconstruction` over the samples of each true class
    /// (`nil` for a class with no samples); empty for one that classifies.
    public let perClassReconstruction: [ReconstructionQuality?]

    public init(loss: Double, accuracy: Double?, count: Int, confusion: [[Int]], reconstruction: ReconstructionQuality? = nil,
                perClassReconstruction: [ReconstructionQuality?] = []) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
        self.confusion = confusion
        self.reconstruction = reconstruction
        self.perClassReconstruction = perClassReconstruction
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
/// classifies, accuracy and a confusion matrix; for one that does not, the squared error, overall
/// and per class). A denoising run's evaluation corrupts every sample's input the same way each
/// time (`InputCorruption.evaluationEpoch`) and compares with the clean image. The set is cut into chunks of
/// `batchSize` samples; worker `w` takes chunks `w, w + T, w + 2T…`, and the chunks' totals are
/// added in chunk order, so the result does not depend on the number of threads. Across the
/// processes of `group` (`mpirun`), rank r evaluates chunks `r, r + P, …` and the chunks' results
/// are all-gathered (as bits) before the same addition in chunk order, so every rank has the
/// figures of one process, whatever P. A worker runs
/// its chunk through the network in shards of `shardCapacity` (in order), which bounds the
/// memory of its workspace.
public final class Evaluator: @unchecked Sendable {
    public let network: Network
    public let batchSize: Int
    public let threads: Int
    /// How the inputs are corrupted (`nil`: not at all), with the draws of `seed`.
    public let corruption: InputCorruption?
    public let seed: UInt64
    /// The processes that share the evaluation (a `SingleProcessGroup`: this one alone). Every
    /// rank must evaluate the same sets in the same order. Set before evaluating (the trainer's
    /// `distribute(over:)` does).
    public var group: any ProcessGroup = SingleProcessGroup()
    /// One inference workspace, input, clean-image, label-value and output buffer per worker;
    /// worker `w` uses only index `w`. `cleanImages` is empty without corruption (the inputs
    /// are the clean images).
    private let workspaces: [NetworkWorkspace]
    private let inputs: [AlignedBuffer]
    private let cleanImages: [AlignedBuffer]
    private let labelValues: [AlignedBuffer]
    private let outputs: [AlignedBuffer]

    /// Samples a worker runs through the network at once: a chunk is evaluated in shards of
    /// this size (in order), so that the activations of a whole chunk are never held.
    public static let shardCapacity = 32

    /// An evaluator with `threads` workers; a `corruption` that is not the identity corrupts
    /// the inputs with draws from `seed` (its patch must fit the images:
    /// `InputCorruption.mismatch`).
    public init(network: Network, batchSize: Int = 100, threads: Int, corruption: InputCorruption = .none, seed: UInt64 = 0) {
        self.network = network
        self.batchSize = batchSize
        self.threads = max(1, threads)
        self.corruption = corruption.isIdentity ? nil : corruption
        self.seed = seed
        let capacity = min(batchSize, Evaluator.shardCapacity)
        workspaces = (0 ..< self.threads).map { _ in NetworkWorkspace(network: network, capacity: capacity, training: false) }
        inputs = (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize * network.inputShape.count) }
        cleanImages = corruption.isIdentity ? [] : (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize * network.inputShape.count) }
        labelValues = (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize) }
        outputs = (0 ..< self.threads).map { _ in AlignedBuffer(count: batchSize * network.outputCount) }
    }

    public func evaluate(_ model: Model, on set: ImageSet) -> EvaluationResult {
        run(model, on: set, collectingSamples: false).result
    }

    /// The evaluation and, when `collectingSamples`, every sample's outcome in set order (see
    /// `evaluateSamples`; collecting changes none of the aggregate figures). The per-sample work
    /// happens only when asked for, so `evaluate` does nothing more than it always did. Samples
    /// are collected by one process alone (`fovea eval`): then this rank evaluates every chunk.
    func run(_ model: Model, on set: ImageSet, collectingSamples: Bool) -> (result: EvaluationResult, samples: [SampleOutcome]) {
        precondition(set.sampleShape == network.inputShape, "evaluating \(network.inputShape) model on \(set.sampleShape) images")
        let classes = network.classes, outputCount = network.outputCount
        let loss = network.loss, target = network.target
        let classifies = loss.classifies
        let collecting = collectingSamples && classifies
        let chunks = (set.count + batchSize - 1) / batchSize
        let results = ParallelSlots<ChunkResult>(count: chunks)
        let normalization = model.normalization
        let sampleSize = network.inputShape.count
        // This rank's chunks (all of them when collecting samples, which stay in this process).
        let (rank, ranks) = collecting ? (0, 1) : (group.rank, group.size)
        let workers = max(1, min(threads, RoundRobin.count(rank: rank, size: ranks, items: chunks)))
        let corrupting = corruption != nil
        let buffers = [model.parameters, model.state] + inputs + labelValues + outputs + cleanImages
        AlignedBuffer.withBaseAddresses(buffers) { pointers in
            let (parameters, state) = (pointers[0], pointers[1])
            // Worker w's buffers: pointers[2 + kind · threads + w], kind 0 inputs, 1 label values,
            // 2 outputs, 3 clean images.
            let threads = self.threads
            // Parallel over this rank's chunks: chunk c writes only results[c]; worker w only its
            // own buffers.
            Parallel.run(workers: workers) { w in
                var chunk = rank + w * ranks
                while chunk < chunks {
                    let start = chunk * batchSize
                    let count = min(batchSize, set.count - start)
                    let x = pointers[2 + w].pointer, values = pointers[2 + threads + w].pointer, y = pointers[2 + 2 * threads + w].pointer
                    let clean = corrupting ? pointers[2 + 3 * threads + w].pointer : x
                    writeInputs(of: set, from: start, count: count, normalization: normalization, clean: clean, inputs: x)
                    results[chunk] = set.labels.withUnsafeBufferPointer { labels in
                        let chunkLabels = labels.baseAddress! + set.indices.lowerBound + start
                        let targets = target.lossTargets(labels: chunkLabels, cleanImages: clean, sampleSize: sampleSize,
                                                         labelValues: values, count: count)
                        var totals = LossTotals()
                        var shardStart = 0
                        while shardStart < count {
                            let shard = min(Evaluator.shardCapacity, count - shardStart)
                            totals = totals + network.evaluateShard(images: x + shardStart * sampleSize, targets: targets.dropping(shardStart),
                                                                    batch: shard, parameters: parameters.pointer, state: state.pointer,
                                                                    workspace: workspaces[w], output: y + shardStart * outputCount)
                            shardStart += shard
                        }
                        var chunkResult = ChunkResult(totals: totals, classes: classes, classifies: classifies)
                        for n in 0 ..< count {
                            let label = Int(chunkLabels[n])
                            if classifies {
                                chunkResult.confusion[label * classes + loss.predictedClass(output: y + n * outputCount, count: outputCount)] += 1
                            } else {
                                let sample = loss.evaluate(output: y + n * outputCount, outputCount: outputCount, targets: targets.dropping(n),
                                                           batch: 1, dOutput: nil, gradientScale: 0)
                                chunkResult.classSquaredError[label] += sample.squaredError
                                chunkResult.classCount[label] += 1
                            }
                        }
                        if collecting {
                            chunkResult.samples.reserveCapacity(count)
                            for n in 0 ..< count {
                                chunkResult.samples.append(SampleOutcome(index: start + n, scores: y + n * outputCount, classes: outputCount,
                                                                         loss: loss, targets: targets.dropping(n)))
                            }
                        }
                        return chunkResult
                    }
                    chunk += workers * ranks
                }
            }
        }
        var total = ChunkResult(totals: LossTotals(), classes: classes, classifies: classifies)
        if collecting { total.samples.reserveCapacity(set.count) }
        if ranks > 1 {
            // Every chunk's floating-point sums, from the rank that computed it, added in chunk
            // order; the integer counts (confusion, samples per class), exact in any order, are
            // added on each rank first and gathered once per rank, so that no message grows with
            // chunks × classes².
            var counts = ChunkResult(totals: LossTotals(), classes: classes, classifies: classifies)
            for case let chunk? in results.values { counts.addCounts(of: chunk) }
            let sumWidth = ChunkResult.sumWordCount(classes: classes, classifies: classifies)
            let countWidth = ChunkResult.countWordCount(classes: classes, classifies: classifies)
            let sums = group.allGatherRoundRobin(items: chunks, width: sumWidth) { chunk, words in results[chunk]?.writeSums(words) }
            let rankCounts = group.allGatherRoundRobin(items: ranks, width: countWidth) { _, words in counts.writeCounts(words) }
            sums.withUnsafeBufferPointer { words in
                for chunk in 0 ..< chunks {
                    total.addSums(UnsafeBufferPointer(rebasing: words[chunk * sumWidth ..< (chunk + 1) * sumWidth]))
                }
            }
            rankCounts.withUnsafeBufferPointer { words in
                for q in 0 ..< ranks {
                    total.addCounts(UnsafeBufferPointer(rebasing: words[q * countWidth ..< (q + 1) * countWidth]))
                }
            }
        } else {
            for case let chunk? in results.values { total.add(chunk) }
        }
        let n = Double(max(set.count, 1))
        let result = EvaluationResult(
            loss: total.totals.loss / n, accuracy: classifies ? Double(total.totals.correct) / n : nil, count: set.count,
            confusion: classifies ? (0 ..< classes).map { Array(total.confusion[$0 * classes ..< ($0 + 1) * classes]) } : [],
            reconstruction: classifies ? nil : ReconstructionQuality(squaredError: total.totals.squaredError / n, target: target,
                                                                     normalization: normalization),
            perClassReconstruction: classifies ? [] : zip(total.classSquaredError, total.classCount).map { sum, count in
                count == 0 ? nil : ReconstructionQuality(squaredError: sum / Double(count), target: target, normalization: normalization)
            })
        return (result, total.samples)
    }
}

extension Evaluator {
    /// Writes what the network sees of samples `start ..< start + count` of `set`: their clean
    /// normalised images into `clean` and, with a corruption, the corrupted ones (evaluation's
    /// draws: `InputCorruption.evaluationEpoch`, the sample's index in its image file) into
    /// `inputs`; without one, `inputs` must be `clean`. Both `[count, C, H, W]`.
    func writeInputs(of set: ImageSet, from start: Int, count: Int, normalization: Normalization,
                     clean: UnsafeMutablePointer<Float>, inputs: UnsafeMutablePointer<Float>) {
        let shape = network.inputShape, size = shape.count
        set.withPixels { pixels in
            guard let bytes = pixels.baseAddress.map({ $0 + start * size }) else { return }
            normalization.normalize(bytes, into: clean, count: count * size)
            guard let corruption else { return }
            for n in 0 ..< count {
                corruption.corrupt(bytes + n * size, into: inputs + n * size, shape: shape, normalization: normalization,
                                   stream: InputCorruption.stream(seed: seed, epoch: InputCorruption.evaluationEpoch,
                                                                  sample: set.indices.lowerBound + start + n))
            }
        }
    }
}

/// What one chunk of an evaluation adds up, and the sum of chunks (in chunk order).
private struct ChunkResult {
    var totals: LossTotals
    /// `[true class · classes + predicted]` counts (classifying losses).
    var confusion: [Int]
    /// Per true class, the summed squared error of its samples and their number (other losses).
    var classSquaredError: [Double]
    var classCount: [Int]
    var samples: [SampleOutcome] = []

    init(totals: LossTotals, classes: Int, classifies: Bool) {
        self.totals = totals
        confusion = [Int](repeating: 0, count: classifies ? classes * classes : 0)
        classSquaredError = [Double](repeating: 0, count: classifies ? 0 : classes)
        classCount = [Int](repeating: 0, count: classifies ? 0 : classes)
    }

    /// 64-bit words of `writeSums(_:)`: the totals, and per class the squared error.
    static func sumWordCount(classes: Int, classifies: Bool) -> Int {
        LossTotals.wordCount + (classifies ? 0 : classes)
    }

    /// 64-bit words of `writeCounts(_:)`: the confusion counts, or the samples per class.
    static func countWordCount(classes: Int, classifies: Bool) -> Int {
        classifies ? classes * classes : classes
    }

    /// The chunk's sums as bits, to move between processes unchanged (and be added in chunk
    /// order).
    func writeSums(_ words: UnsafeMutableBufferPointer<UInt64>) {
        totals.write(UnsafeMutableBufferPointer(rebasing: words[0 ..< LossTotals.wordCount]))
        for (k, sum) in classSquaredError.enumerated() { words[LossTotals.wordCount + k] = sum.bitPattern }
    }

    /// Adds the sums `writeSums(_:)` wrote.
    mutating func addSums(_ words: UnsafeBufferPointer<UInt64>) {
        totals = totals + LossTotals(words: UnsafeBufferPointer(rebasing: words[0 ..< LossTotals.wordCount]))
        for k in classSquaredError.indices { classSquaredError[k] += Double(bitPattern: words[LossTotals.wordCount + k]) }
    }

    /// The integer counts, to move between processes.
    func writeCounts(_ words: UnsafeMutableBufferPointer<UInt64>) {
        for (k, count) in (confusion + classCount).enumerated() { words[k] = UInt64(bitPattern: Int64(count)) }
    }

    /// Adds the counts `writeCounts(_:)` wrote.
    mutating func addCounts(_ words: UnsafeBufferPointer<UInt64>) {
        for k in confusion.indices { confusion[k] += Int(Int64(bitPattern: words[k])) }
        for k in classCount.indices { classCount[k] += Int(Int64(bitPattern: words[confusion.count + k])) }
    }

    /// Adds another result's integer counts only.
    mutating func addCounts(of chunk: ChunkResult) {
        for k in confusion.indices { confusion[k] += chunk.confusion[k] }
        for k in classCount.indices { classCount[k] += chunk.classCount[k] }
    }

    mutating func add(_ chunk: ChunkResult) {
        totals = totals + chunk.totals
        for i in classSquaredError.indices { classSquaredError[i] += chunk.classSquaredError[i] }
        addCounts(of: chunk)
        samples += chunk.samples
    }
}
