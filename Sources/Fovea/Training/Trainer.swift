import Foundation

/// Everything that decides the numbers a training run produces (threads do not).
public struct TrainingOptions: Hashable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    /// The optimizer kind and its hyper-parameters (`OptimizerRegistry`).
    public var optimizer: any Optimizer
    public var schedule: LearningRateSchedule
    public var seed: UInt64
    /// Random distortions of the training images (never of test or validation images).
    public var augmentation: AugmentationConfiguration
    /// `--clip-grad-norm`: the largest global L2 norm a step's gradient keeps (`nil`: no clipping).
    public var gradientClipping: GradientClipping?
    /// `--input-noise`, `--occlude`: how a denoising run corrupts its inputs (training,
    /// validation and test alike; the target stays the clean image).
    public var corruption: InputCorruption

    public init(epochs: Int, batchSize: Int, optimizer: any Optimizer, schedule: LearningRateSchedule, seed: UInt64,
                augmentation: AugmentationConfiguration = .none, gradientClipping: GradientClipping? = nil,
                corruption: InputCorruption = .none) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.seed = seed
        self.augmentation = augmentation
        self.gradientClipping = gradientClipping
        self.corruption = corruption
    }

    public static func == (a: TrainingOptions, b: TrainingOptions) -> Bool {
        a.epochs == b.epochs && a.batchSize == b.batchSize && a.optimizer.isSame(as: b.optimizer) && a.schedule == b.schedule
            && a.seed == b.seed && a.augmentation == b.augmentation && a.gradientClipping == b.gradientClipping
            && a.corruption == b.corruption
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epochs)
        hasher.combine(batchSize)
        hasher.combine(type(of: optimizer).name)
        hasher.combine(optimizer.values)
        hasher.combine(schedule)
        hasher.combine(seed)
        hasher.combine(augmentation)
        hasher.combine(gradientClipping)
        hasher.combine(corruption)
    }
}

/// Progress within an epoch, sent after every step.
public struct TrainingProgress: Sendable {
    public let epoch: Int
    public let step: Int
    public let steps: Int
    public let samplesDone: Int
    public let samples: Int
    /// Mean loss over the epoch's samples so far.
    public let runningLoss: Double
    public let elapsedSeconds: Double
}

/// The figures of one finished epoch.
public struct EpochReport: Sendable {
    /// 1-based epoch number.
    public let epoch: Int
    public let trainLoss: Double
    /// The fraction of training samples classified right during the epoch; `nil` for a loss that
    /// does not classify.
    public let trainAccuracy: Double?
    /// For a loss that does not classify, MSE (and PSNR) over the epoch's training samples, as
    /// the network saw them while it learned (`ReconstructionQuality`); `nil` for one that
    /// classifies.
    public let trainReconstruction: ReconstructionQuality?
    public let test: EvaluationResult?
    public let validation: EvaluationResult?
    /// Training samples per second of the epoch's training steps (evaluation excluded).
    public let samplesPerSecond: Double
    /// Wall-clock seconds of the whole epoch, training and evaluation.
    public let seconds: Double
    /// The learning rate of the epoch's last step.
    public let learningRate: Double
    /// Training steps this report covers (fewer than an epoch's after a mid-epoch resume).
    public let trainedSteps: Int
    /// Across processes (`Trainer.distribute(over:)`): what this rank's collectives cost during
    /// the epoch's training steps (evaluation excluded); `nil` in one process.
    public let communication: CommunicationTotals?
}

/// Minibatch training over an image set, in parallel, reproducible bit for bit.
///
/// Each step's batch (built on a background queue by `BatchPipeline`) is cut into shards whose
/// number depends only on the batch size (`shardCount`). Worker `w` of `T` runs forward and
/// backward on shards `w, w + T, …`, each into the shard's own gradient buffer; the
/// `GradientNorm` sums the squares of the shards' sum in a fixed order (a NaN or infinity there
/// stops the run; `--clip-grad-norm` scales by it), and `GradientReduction` then sums the shards
/// in shard order and hands the sum to the optimizer, range by range. Every random number is drawn
/// from a stream keyed by what it is for (init: seed and layer; shuffle: seed and epoch;
/// dropout: seed, step, layer and batch position; augmentation: seed, epoch and sample). So the
/// same seed gives the same losses and weights with any thread count. Across processes
/// (`distribute(over:)`), rank `r` of `P` computes shards `r, r + P, …` and the shards are
/// combined in the same shard order (`DistributedStep`): the same weights for any `P` too.
public final class Trainer: @unchecked Sendable {
    public let model: Model
    public let options: TrainingOptions
    public let threads: Int
    public let train: ImageSet
    public let test: ImageSet?
    public let validation: ImageSet?
    /// The optimizer's rule and hyper-parameters (`options.optimizer`).
    public var optimizer: any Optimizer { options.optimizer }
    /// The optimizer's state tensors and step count.
    public let optimizerState: OptimizerState
    /// Completed epochs.
    public private(set) var epoch = 0
    /// Completed steps over the whole run.
    public private(set) var globalStep = 0
    /// Steps done of the epoch in progress (0 between epochs).
    public private(set) var stepInEpoch = 0
    /// Summed loss and correct guesses of those steps.
    public private(set) var epochTotals = LossTotals()

    /// Where the run stands; with the parameters and the optimizer's step and momentum, all a
    /// checkpoint needs to continue it exactly.
    public var state: TrainingState {
        TrainingState(epoch: epoch, stepInEpoch: stepInEpoch, globalStep: globalStep, epochTotals: epochTotals)
    }

    private let pipeline: BatchPipeline
    let evaluator: Evaluator
    /// Samples in the largest shard of any batch up to the batch size.
    private let shardCapacity: Int
    /// This rank's per-shard memory, made by `shardMemory()` before the first step.
    private var allocatedShardMemory: ShardMemory?
    private let reduction: GradientReduction
    /// The phased step of a network with batch normalization (`nil` without such layers).
    private let wholeBatchStep: WholeBatchStep?
    private let gradientNorm: GradientNorm
    /// The multi-process combination of the shards (`nil`: this process alone); set by
    /// `distribute(over:)` before training.
    var distributed: DistributedStep?

    /// The number of shards a batch of `batch` samples is cut into: about 32 samples each, at
    /// least two (so that two cores share even a small batch), an even number (so that two
    /// cores get equal shares), at most one per sample, and at most `maximumShards` (batches
    /// above 2,048 samples get larger shards, so that the shards' gradient buffers stay
    /// bounded). It depends on nothing but `batch`.
    public static func shardCount(batch: Int) -> Int {
        let bySize = (batch + 31) / 32
        let even = min(maximumShards, max(2, bySize + bySize % 2))
        return max(1, min(batch, even))
    }

    /// The most shards a batch is cut into (each keeps a gradient buffer as large as the model).
    public static let maximumShards = 64

    /// About how many bytes a trainer for `network` at `batchSize` with `threads` allocates in
    /// each of `processes` processes: one gradient buffer per shard the process computes (and,
    /// across processes, its range of the other shards and the summed gradient), the optimizer's
    /// `optimizerStateTensors` per-parameter tensors, the training workspaces (one per thread,
    /// or one per shard computed with batch normalization), the evaluation workspaces and the
    /// batch pipeline's two batches (twice that for a denoising run's clean copies). In Double,
    /// so that no input can overflow it; for a memory budget, checked before anything is
    /// allocated.
    public static func estimatedBytes(network: Network, batchSize: Int, threads: Int, optimizerStateTensors: Int,
                                      corrupting: Bool = false, processes: Int = 1) -> Double {
        let allShards = shardCount(batch: max(batchSize, 1)), size = max(processes, 1)
        let shards = Double(RoundRobin.count(rank: 0, size: size, items: allShards))
        let shardCapacity = Double(batchSize) / Double(allShards) + 1
        let hasWholeBatchLayers = network.executionLayers.contains { $0 is any BatchStatisticsLayer }
        let workspaces = hasWholeBatchLayers ? shards : min(Double(max(threads, 1)), shards)
        let parameters = Double(network.parameterCount)
        // Across processes: the received slices of the other shards and the summed gradient.
        let exchange = size > 1 ? Double(allShards) / Double(size) + 1 : 0
        return 4 * parameters * (shards + exchange + Double(optimizerStateTensors) + 1)
            + workspaces * NetworkWorkspace.estimatedBytes(network: network, capacity: Int(shardCapacity), training: true)
            + Double(max(threads, 1)) * NetworkWorkspace.estimatedBytes(network: network, capacity: min(batchSize, Evaluator.shardCapacity),
                                                                        training: false)
            + (corrupting ? 4 : 2) * 4 * Double(batchSize) * Double(network.inputShape.count)
    }

    /// The largest shard of any batch up to `batchSize` (the last batch of an epoch may be
    /// smaller, and be cut differently): a batch of b in s shards has shards of ⌊b/s⌋ and ⌈b/s⌉
    /// samples. Every training workspace holds this many.
    public static func shardCapacity(batchSize: Int) -> Int {
        (1 ... max(batchSize, 1)).map { b in
            let shards = shardCount(batch: b)
            return (b + shards - 1) / shards
        }.max() ?? 1
    }

    /// The samples of shard `shard` of `shards` in a batch of `batch`.
    public static func shardRange(_ shard: Int, of shards: Int, batch: Int) -> Range<Int> {
        batch * shard / shards ..< batch * (shard + 1) / shards
    }

    public init(model: Model, options: TrainingOptions, train: ImageSet, test: ImageSet?, validation: ImageSet?, threads: Int) {
        self.model = model
        self.options = options
        self.train = train
        self.test = test
        self.validation = validation
        self.threads = max(1, threads)
        let network = model.network
        optimizerState = OptimizerState(names: type(of: options.optimizer).stateNames, parameterCount: network.parameterCount)
        reduction = GradientReduction(network: network, threads: self.threads)
        gradientNorm = GradientNorm(parameterCount: network.parameterCount, threads: self.threads)
        pipeline = BatchPipeline(set: train, normalization: model.normalization, batchSize: options.batchSize,
                                 augmentation: options.augmentation, seed: options.seed, target: network.target,
                                 corruption: options.corruption)
        evaluator = Evaluator(network: network, threads: self.threads, corruption: options.corruption, seed: options.seed)
        let shards = Trainer.shardCount(batch: options.batchSize)
        shardCapacity = Trainer.shardCapacity(batchSize: options.batchSize)
        wholeBatchStep = WholeBatchStep(network: network, shards: shards)
    }

    /// What a rank keeps per shard: a gradient buffer for each shard of a full batch it computes
    /// (shard `rank + k·P` in `gradients[k]`; every shard in one process), and the training
    /// workspaces: one per worker, or, with whole-batch layers, one per shard it computes (in the
    /// same order), since every shard's activations are read again after the batch's statistics
    /// are reduced.
    private struct ShardMemory {
        let gradients: [AlignedBuffer]
        let workspaces: [NetworkWorkspace]
    }

    /// This rank's shard memory, made once before the first step (after `distribute(over:)` has
    /// said which shards are this rank's), so that a rank of P holds ⌈S/P⌉ gradient buffers and
    /// workspaces, not S. The last batch of an epoch may have fewer shards, never more.
    private func shardMemory() -> ShardMemory {
        if let memory = allocatedShardMemory { return memory }
        let network = model.network
        let own = RoundRobin.count(rank: processGroup.rank, size: processGroup.size, items: Trainer.shardCount(batch: options.batchSize))
        let memory = ShardMemory(
            gradients: (0 ..< own).map { _ in AlignedBuffer(count: network.parameterCount) },
            workspaces: (0 ..< (wholeBatchStep == nil ? min(threads, own) : own)).map { _ in
                NetworkWorkspace(network: network, capacity: shardCapacity, training: true)
            })
        allocatedShardMemory = memory
        return memory
    }

    /// The gradient buffers this process keeps per shard (for tests: ⌈S/P⌉ across P processes).
    public var shardGradientBufferCount: Int { shardMemory().gradients.count }

    /// The training workspaces this process keeps, and the bytes of each: one per worker thread,
    /// or, for a network with whole-batch layers (batch normalization), one per shard
    /// (`perShard`), all of them alive from the first region of a step to the last.
    public var trainingWorkspaces: (count: Int, bytesEach: Int, perShard: Bool) {
        let workspaces = shardMemory().workspaces
        return (workspaces.count, workspaces.first?.byteCount ?? 0, wholeBatchStep != nil)
    }

    /// Forgets the shard memory, to be made again for another group (`distribute(over:)`).
    func releaseShardMemory() { allocatedShardMemory = nil }

    /// Steps in one epoch (the last batch may be partial).
    public var stepsPerEpoch: Int { pipeline.stepsPerEpoch }

    /// The learning rate at global step `step`.
    public func learningRate(atStep step: Int) -> Double {
        options.schedule.rate(base: options.optimizer.learningRate, step: step, stepsPerEpoch: stepsPerEpoch,
                              totalSteps: stepsPerEpoch * options.epochs)
    }

    /// Trains one epoch (after a resume, the rest of one), then evaluates on the test and
    /// validation sets. Throws `TrainingError.diverged` at a step whose loss is not finite, and
    /// `TrainingError.gradientNotFinite` at one whose gradient is not (that step's update is not
    /// applied).
    public func trainEpoch(progress: ((TrainingProgress) -> Void)? = nil) throws -> EpochReport {
        try finishEpoch(trainSteps(shouldStop: { false }, afterStep: { progress?($0) }))
    }

    /// Trains the rest of the epoch in progress like `trainEpoch(progress:)`, but asks
    /// `shouldStop` before every step and returns `nil`, leaving the epoch unfinished, as soon
    /// as it says yes. `afterStep` runs after every step, when the trainer's `state`, the
    /// parameters and the optimizer agree (a checkpoint taken there resumes exactly); an error
    /// it throws ends the epoch unfinished and is rethrown. A step whose loss or gradient is not
    /// finite is not applied and ends the epoch with a `TrainingError`.
    public func trainEpoch(shouldStop: () -> Bool, afterStep: (TrainingProgress) throws -> Void) throws -> EpochReport? {
        let steps = try trainSteps(shouldStop: shouldStop, afterStep: afterStep)
        return steps.completed ? finishEpoch(steps) : nil
    }

    /// As `trainEpoch(shouldStop:afterStep:)`, but global step `s` (0-based) runs at
    /// `learningRate(s)` instead of the schedule's rate: for a test that sweeps the rate itself
    /// (`LearningRateRangeTest`). The epoch report's `learningRate` is still the schedule's.
    public func trainEpoch(learningRate: (Int) -> Double, shouldStop: () -> Bool,
                           afterStep: (TrainingProgress) throws -> Void) throws -> EpochReport? {
        let steps = try withoutActuallyEscaping(learningRate) { rate in
            try trainSteps(shouldStop: shouldStop, afterStep: afterStep, learningRate: rate)
        }
        return steps.completed ? finishEpoch(steps) : nil
    }

    /// What `trainSteps` did, for the epoch report.
    private struct StepsRun {
        let completed: Bool
        let start: ContinuousClock.Instant
        let trainSeconds: Double
        let samples: Int
        let steps: Int
        let communication: CommunicationTotals?
    }

    /// This rank's communication so far (`nil` in one process).
    private var communicationTotals: CommunicationTotals? { (distributed?.group as? MeteredProcessGroup)?.totals }

    /// Runs the remaining steps of the epoch in progress, each preceded by `shouldStop`.
    private func trainSteps(shouldStop: () -> Bool, afterStep: (TrainingProgress) throws -> Void,
                            learningRate rate: ((Int) -> Double)? = nil) throws -> StepsRun {
        // Made before the clock starts (once per trainer): the first epoch's samples/s counts
        // training only.
        let memory = shardMemory()
        let clock = ContinuousClock()
        let start = clock.now
        let steps = stepsPerEpoch
        let firstStep = stepInEpoch
        let communicationBefore = communicationTotals
        func run(completed: Bool, steps done: Int) -> StepsRun {
            StepsRun(completed: completed, start: start, trainSeconds: (clock.now - start).seconds,
                     samples: samplesDone(steps: done) - samplesDone(steps: firstStep), steps: done - firstStep,
                     communication: communicationBefore.flatMap { before in communicationTotals.map { $0 - before } })
        }
        let order = randomPermutation(count: train.count, stream: RandomStream(seed: options.seed, purpose: .shuffle, UInt64(epoch)))
        pipeline.start(order: order, steps: firstStep ..< steps, epoch: epoch)
        defer { pipeline.stop() }
        for step in firstStep ..< steps {
            if shouldStop() { return run(completed: false, steps: step) }
            let learningRate = rate?(globalStep) ?? self.learningRate(atStep: globalStep)
            let stepTotals = try pipeline.withNextBatch(deferringNormalization: true) { batch throws(TrainingError) in
                try trainStep(batch, learningRate: learningRate, step: step, memory: memory)
            }
            epochTotals = epochTotals + stepTotals
            stepInEpoch = step + 1
            globalStep += 1
            let done = samplesDone(steps: stepInEpoch)
            try afterStep(TrainingProgress(epoch: epoch + 1, step: stepInEpoch, steps: steps, samplesDone: done, samples: train.count,
                                           runningLoss: epochTotals.loss / Double(done), elapsedSeconds: (clock.now - start).seconds))
        }
        return run(completed: true, steps: steps)
    }

    /// Training samples in the first `steps` steps of an epoch.
    private func samplesDone(steps: Int) -> Int {
        min(steps * options.batchSize, train.count)
    }

    /// Closes the epoch whose steps are all done: evaluates and reports it.
    private func finishEpoch(_ steps: StepsRun) -> EpochReport {
        let totals = epochTotals
        epoch += 1
        stepInEpoch = 0
        epochTotals = LossTotals()
        let testResult = test.map { evaluator.evaluate(model, on: $0) }
        let validationResult = validation.map { evaluator.evaluate(model, on: $0) }
        let classifies = model.network.loss.classifies
        return EpochReport(epoch: epoch, trainLoss: totals.loss / Double(max(train.count, 1)),
                           trainAccuracy: classifies ? Double(totals.correct) / Double(max(train.count, 1)) : nil,
                           trainReconstruction: classifies ? nil : ReconstructionQuality(
                               squaredError: totals.squaredError / Double(max(train.count, 1)), target: model.network.target,
                               normalization: model.normalization),
                           test: testResult, validation: validationResult,
                           samplesPerSecond: Double(steps.samples) / max(steps.trainSeconds, 1e-9),
                           seconds: (ContinuousClock().now - steps.start).seconds, learningRate: learningRate(atStep: globalStep - 1),
                           trainedSteps: steps.steps, communication: steps.communication)
    }

    /// Continues from `state`, with the optimizer's step count and state tensors (in
    /// `Optimizer.stateNames` order, parameter order within each). The caller has checked them:
    /// `stepInEpoch < stepsPerEpoch`, `globalStep == epoch · stepsPerEpoch + stepInEpoch` and
    /// one value per parameter in each tensor.
    func restore(_ state: TrainingState, optimizerStep: Int, optimizerTensors: [[Float]]) {
        epoch = state.epoch
        stepInEpoch = state.stepInEpoch
        globalStep = state.globalStep
        epochTotals = state.epochTotals
        optimizerState.restore(step: optimizerStep, tensors: optimizerTensors)
    }

    /// Evaluates the current model on any set with this trainer's threads (across processes,
    /// `distribute(over:)`, a collective: every rank calls it with the same set).
    public func evaluate(on set: ImageSet) -> EvaluationResult {
        evaluator.evaluate(model, on: set)
    }

    /// One optimizer step on a batch: shards in parallel, the gradient's norm, then the summed
    /// (and, with clipping, scaled) update. A batch whose loss or gradient is not finite (the
    /// run has diverged) is not applied: it throws instead, with the parameters and the
    /// optimizer as they were.
    private func trainStep(_ batch: BatchPipeline.Batch, learningRate: Double, step: Int, memory: ShardMemory) throws(TrainingError) -> LossTotals {
        let network = model.network
        let shards = Trainer.shardCount(batch: batch.count)
        // This rank's shards: `rank, rank + ranks, …` (all of them in a single process).
        let rank = distributed?.group.rank ?? 0, ranks = distributed?.group.size ?? 1
        let workspaces = memory.workspaces
        let workers = max(1, min(threads, RoundRobin.count(rank: rank, size: ranks, items: shards), workspaces.count))
        let results = ParallelSlots<LossTotals>(count: shards)
        let random = RandomStream(seed: options.seed, purpose: .dropout, UInt64(globalStep))
        let scale = 1 / Float(batch.count)
        let batchCount = batch.count
        let sampleSize = network.inputShape.count
        let images = SendablePointer(UnsafeMutablePointer(mutating: batch.images))
        let targets = batch.targets
        if let wholeBatchStep {
            let results = AlignedBuffer.withBaseAddresses([model.parameters, model.state] + memory.gradients) { pointers in
                // This rank's shard `rank + k·P` has gradient buffer and workspace k; the other
                // ranks' shards only their sample ranges.
                let shardList = (0 ..< shards).map { shard in
                    let range = Trainer.shardRange(shard, of: shards, batch: batchCount), k = (shard - rank) / ranks
                    let own = shard % ranks == rank
                    return WholeBatchStep.Shard(range: range, images: images.pointer + range.lowerBound * sampleSize,
                                                targets: targets.dropping(range.lowerBound), gradients: own ? pointers[2 + k].pointer : nil,
                                                workspace: own ? workspaces[k] : nil)
                }
                return wholeBatchStep.run(shards: shardList, workers: workers, group: processGroup, gradientScale: scale,
                                          parameters: pointers[0].pointer, state: pointers[1].pointer, random: random) { shard in
                    batch.prepare(Trainer.shardRange(shard, of: shards, batch: batchCount))
                }
            }
            let totals = combine(results, shards: shards)
            try apply(totals, batch: batchCount, step: step, learningRate: learningRate, shards: shards, memory: memory)
            wholeBatchStep.updateState(model.state, wholeBatch: batchCount)
            return totals
        }
        AlignedBuffer.withBaseAddresses([model.parameters, model.state] + memory.gradients) { pointers in
            let (parameters, state) = (pointers[0], pointers[1])
            // Parallel over this rank's shards: shard s = rank + k·P writes only its gradient
            // buffer k, results[s] and its own samples of the batch (`prepare`); worker w uses
            // only workspaces[w]; the parameters, the state and the targets are read-only here.
            Parallel.run(workers: workers) { w in
                var shard = rank + w * ranks
                while shard < shards {
                    let range = Trainer.shardRange(shard, of: shards, batch: batchCount)
                    batch.prepare(range)
                    results[shard] = network.trainShard(
                        images: images.pointer + range.lowerBound * sampleSize, targets: targets.dropping(range.lowerBound),
                        batch: range.count, gradientScale: scale, parameters: parameters.pointer, state: state.pointer,
                        gradients: pointers[2 + (shard - rank) / ranks].pointer, random: random, firstPosition: range.lowerBound,
                        workspace: workspaces[w])
                    shard += workers * ranks
                }
            }
        }
        let totals = combine(results, shards: shards)
        try apply(totals, batch: batchCount, step: step, learningRate: learningRate, shards: shards, memory: memory)
        return totals
    }

    /// The loss totals of every shard of the step, added in shard order (across processes, each
    /// shard's from the rank that computed it).
    private func combine(_ results: ParallelSlots<LossTotals>, shards: Int) -> LossTotals {
        distributed?.combineTotals(results, shards: shards) ?? results.values.reduce(LossTotals()) { $0 + ($1 ?? LossTotals()) }
    }

    /// The optimizer's update from the shards' gradients, unless the batch's loss or its summed
    /// gradient is not finite; with clipping, the gradient scaled by the clipping factor.
    private func apply(_ totals: LossTotals, batch: Int, step: Int, learningRate: Double, shards: Int, memory: ShardMemory) throws(TrainingError) {
        let clipping = options.gradientClipping
        guard totals.loss.isFinite else {
            throw TrainingError.diverged(epoch: epoch + 1, step: step + 1, steps: stepsPerEpoch, loss: totals.loss / Double(batch),
                                         clipNorm: clipping?.maxNorm)
        }
        // Across processes, the shards' sum in shard order (the same bits on every rank), as one
        // buffer; in one process, the shards themselves.
        let shardGradients = memory.gradients, shardCount = shards
        let (gradients, shards) = distributed.map { ([$0.sumGradients(shardGradients, shards: shardCount, threads: threads)], 1) }
            ?? (shardGradients, shardCount)
        let squares = gradientNorm.sumOfSquares(gradients, shards: shards, threads: threads)
        guard squares.isFinite else {
            let element = gradientNorm.firstNonFinite(gradients, shards: shards)
            let tensor = element.flatMap { element in model.network.parameterTensors.first { $0.range.contains(element.index) } }
            throw TrainingError.gradientNotFinite(epoch: epoch + 1, step: step + 1, steps: stepsPerEpoch, tensor: tensor?.name ?? "parameters",
                                                  index: (element?.index ?? 0) - (tensor?.range.lowerBound ?? 0),
                                                  value: element?.value ?? .nan, clipNorm: clipping?.maxNorm)
        }
        reduction.apply(optimizer, parameters: model.parameters, gradients: gradients, shards: shards, state: optimizerState,
                        learningRate: learningRate, gradientFactor: clipping?.factor(norm: squares.squareRoot()) ?? 1, threads: threads)
    }
}

/// Why training stopped short.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss of step `step` (1-based) of epoch `epoch` was not finite: the run has diverged.
    /// The step was not applied. `clipNorm`: the run's `--clip-grad-norm` (`nil`: none).
    case diverged(epoch: Int, step: Int, steps: Int, loss: Double, clipNorm: Double? = nil)
    /// The loss of the step was finite, but its gradient (all shards summed) was not: element
    /// `index` of the gradient of parameter tensor `tensor`, the first such, is `value`. The
    /// step was not applied.
    case gradientNotFinite(epoch: Int, step: Int, steps: Int, tensor: String, index: Int, value: Float, clipNorm: Double? = nil)

    public var description: String {
        switch self {
        case let .diverged(epoch, step, steps, loss, clipNorm):
            "training diverged in epoch \(epoch) at step \(step) of \(steps): the batch's mean loss is \(loss.isNaN ? "NaN" : "infinite"); "
                + TrainingError.consequence(clipNorm: clipNorm)
        case let .gradientNotFinite(epoch, step, steps, tensor, index, value, clipNorm):
            "training diverged in epoch \(epoch) at step \(step) of \(steps): the gradient went non-finite (element \(index) of the gradient of \(tensor) is \(value.isNaN ? "NaN" : "infinite")); "
                + TrainingError.consequence(clipNorm: clipNorm)
        }
    }

    /// What happened to the step and what to do, with or without clipping already on.
    private static func consequence(clipNorm: Double?) -> String {
        let remedy = clipNorm.map { "a lower --lr or a --clip-grad-norm below \($0)" } ?? "a lower --lr, or clip the gradient with --clip-grad-norm, e.g. 1"
        return "that step was not applied and no checkpoint was written after it (train again with \(remedy))"
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
