import ArgumentParser
import Fovea
import Foundation

/// `fovea lr-find`: the learning-rate range test (`LearningRateRangeTest`) on a fresh model with
/// `fovea train`'s model, data and optimizer flags; prints the table and the suggested rate, and
/// plots the loss against the rate with `--out`. Writes nothing else (no run folder, no
/// checkpoint): the model and the optimizer's state are thrown away.
public struct LRFindCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Find a learning rate: train a fresh model while the rate grows from --start to --end, and watch the loss.",
        discussion: """
        Step i of N runs at start·(end/start)^(i/(N−1)) over the training batches in the usual \
        order, with the model, data, optimizer, augmentation and clipping flags of fovea train. \
        Each step's loss is smoothed (β 0.98, bias-corrected, as fastai); the test stops when \
        the smoothed loss exceeds 4 times its minimum, or at a step whose loss or gradient is \
        not finite. Two rules read the smoothed curve (leaving out the first tenth of the steps \
        and the last 5 points): a tenth of the rate at the minimum, which is suggested, and the \
        steepest descent per decade of rate, shown for comparison. The same seed gives the \
        same table for any --threads. Nothing is written but the --out picture.
        """
    )

    /// `--steps` by default: see README ("fovea lr-find").
    static let defaultSteps = 300
    static let defaultStart = 1e-7, defaultEnd = 10.0
    /// The most steps (and the widest table) a test may ask for.
    static let maximumSteps = 100_000

    @Option(help: "MNIST-style folder: train/t10k images and labels as IDX files, raw or .gz. (default: data/mnist)")
    var data: String?

    @Option(help: "A preset (\(ModelSpec.presets.map(\.key).joined(separator: ", "))) or a model spec in quotes. (default: \(TrainCommand.defaultModel))")
    var model: String?

    @Option(name: .customLong("batch-size"), help: "Samples per optimizer step. (default: \(TrainCommand.Defaults.batchSize))")
    var batchSize: Int?

    @OptionGroup
    var optimization: OptimizerOptions

    @Option(name: .customLong("clip-grad-norm"),
            help: ArgumentHelp("Before each step, scale the gradient down to this global L2 norm if it is larger (PyTorch's clip_grad_norm_). (default: off)",
                               valueName: "max-norm"))
    var clipGradNorm: Double?

    @Option(name: .customLong("memory-budget"),
            help: ArgumentHelp("The most memory the test may take, in GiB. (default: half of this machine's memory)", valueName: "GiB"))
    var memoryBudget: Double?

    @OptionGroup(title: "Augmentation of the training images")
    var augmentation: AugmentationOptions

    @Option(help: "Seed of every random draw (initialisation, shuffling, dropout, augmentation). (default: \(TrainCommand.Defaults.seed))")
    var seed: UInt64?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Use the first N training samples only.")
    var limit: Int?

    @Option(help: "Leave out the last N training samples, as fovea train --validation holds them out. (default: 0)")
    var validation: Int?

    @Option(help: "Number of classes (labels must lie in 0..<classes). (default: \(TrainCommand.Defaults.classes); 2 with --loss bce)")
    var classes: Int?

    @Option(help: ArgumentHelp("The loss, as fovea train's --loss. (default: \(TrainCommand.Defaults.loss))", valueName: "ce|bce|mse|l1"))
    var loss: String?

    @OptionGroup(title: "Autoencoders and denoising")
    var task: TaskOptions

    @Option(help: ArgumentHelp("Learning rate of the first step. (default: \(LRFindCommand.defaultStart))", valueName: "rate"))
    var start: Double = LRFindCommand.defaultStart

    @Option(help: ArgumentHelp("Learning rate of the last step. (default: \(LRFindCommand.defaultEnd))", valueName: "rate"))
    var end: Double = LRFindCommand.defaultEnd

    @Option(help: ArgumentHelp("Steps from --start to --end (the test may stop earlier). (default: \(LRFindCommand.defaultSteps))"))
    var steps: Int = LRFindCommand.defaultSteps

    @Option(help: ArgumentHelp("Also plot the raw and smoothed loss against the rate, with the suggestion marked: .svg or .png.", valueName: "file"))
    var out: String?

    @Flag(help: "Print one JSON object per step, then one with the suggestion (and nothing else on standard output).")
    var json = false

    public init() {}

    public mutating func validate() throws {
        try require(optimization.lr == nil, "--lr: lr-find sweeps the rate from --start to --end itself (drop --lr)")
        try require(start.isFinite && start > 0, "--start must be a finite rate > 0, got \(start)")
        try require(end.isFinite && end > 0, "--end must be a finite rate > 0, got \(end)")
        try require(start < end, "--start must be below --end, got \(start) ≥ \(end)")
        try require((2 ... LRFindCommand.maximumSteps).contains(steps), "--steps must be in 2…\(LRFindCommand.maximumSteps), got \(steps)")
        try optimization.check(makingOptimizer: true)
        try TrainingFlags.check(batchSize: batchSize, threads: threads, limit: limit, validation: validation, classes: classes,
                                clipGradNorm: clipGradNorm, memoryBudget: memoryBudget, loss: loss)
        try task.check()
        if let out {
            try require(ChartFile.format(of: out) != nil, "--out: \(out): the name must end in .svg or .png (the format follows the name)")
        }
        if let model {
            do {
                _ = try ModelSpec(model)
            } catch {
                throw ValidationError("--model: \(error)")
            }
        }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// Runs the command, writing to `console`; failures are reported there as one line and
    /// rethrown as exit code 1.
    public func run(console: Console) throws {
        do {
            try find(console: console)
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    private func find(console: Console) throws {
        let directory = try data ?? DataLocation.defaultMNIST()
        let (lossKind, classes) = TrainingFlags.loss(loss, classes: self.classes, defaultClasses: TrainCommand.Defaults.classes)
        let dataset = try MNISTDataset(directory: directory, classes: classes)
        let train = try TrainingFlags.split(dataset.train, limit: limit, heldOut: validation ?? 0).train
        let spec = try ModelSpec(model ?? TrainCommand.defaultModel)
        let network = try TrainingFlags.network(spec: spec, inputShape: train.sampleShape, classes: classes, loss: lossKind, given: loss,
                                                target: task.givenTarget)
        let corruption = try task.corruption(loss: lossKind, target: network.target, height: train.height, width: train.width)
        let seed = self.seed ?? TrainCommand.Defaults.seed
        let modelValue = Model(network: network, normalization: Normalization(statisticsOf: train), seed: seed)
        let batch = TrainingFlags.batchSize(batchSize ?? TrainCommand.Defaults.batchSize, fitting: train.count, console: console)
        // The schedule is not used: the test sets every step's rate.
        let options = TrainingOptions(epochs: 1, batchSize: batch, optimizer: try optimization.make(), schedule: LearningRateSchedule(kind: .constant),
                                      seed: seed, augmentation: try augmentation.configuration(),
                                      gradientClipping: clipGradNorm.flatMap(GradientClipping.init(maxNorm:)), corruption: corruption)
        let threadCount = ThreadCount.resolve(threads, console: console)
        try MemoryBudget.check(network: network, batchSize: batch, threads: threadCount, optimizer: options.optimizer, budget: memoryBudget)
        let trainer = Trainer(model: modelValue, options: options, train: train, test: nil, validation: nil, threads: threadCount)
        let test = LearningRateRangeTest(start: start, end: end, steps: steps)

        // The header (to standard error with --json). No thread count and no timing: the output
        // is the same bytes for any --threads.
        let header: (String) -> Void = json ? { console.diagnose($0) } : { console.line($0) }
        let presetName = ModelSpec.presets.first { (try? ModelSpec($0.value)) == network.spec }?.key
        header("model: \(presetName.map { "\($0): " } ?? "")\(network.spec) (\(Format.integer(network.parameterCount)) parameters)")
        header("data: \(directory): \(Format.integer(train.count)) training images \(train.height)×\(train.width), \(Format.integer(trainer.stepsPerEpoch)) steps per epoch")
        header("range test: \(steps) steps of batch \(batch), learning rate from \(Format.rate(start)) to \(Format.rate(end)) (×\(Format.rate(exp((log(end) - log(start)) / Double(steps - 1)))) per step), "
            + "\(options.optimizer.summary(number: Format.rate)) (its rate replaced by the sweep), "
            + (options.gradientClipping.map { "gradient norm clipped to \(Format.rate($0.maxNorm)), " } ?? "")
            + (options.augmentation.isIdentity ? "" : "augmentation \(options.augmentation), ")
            + (corruption.isIdentity ? "" : "input corruption \(corruption), ")
            + "seed \(seed); loss smoothed with β \(LearningRateRangeTest.smoothing); stop at \(Format.rate(LearningRateRangeTest.divergenceFactor)) × its minimum")

        let result = try test.run(trainer)
        if json {
            for point in result.points { console.line(LRFindReport.json(point)) }
            console.line(LRFindReport.json(result))
        } else {
            console.write(LRFindReport.table(result))
            for line in LRFindReport.summary(result) { console.line(line) }
        }
        if let out {
            let chart = LRFindReport.chart(result)
            let size = try ChartFile.write(chart, to: out)
            let line = "\(out): \(size.width)×\(size.height) \(ChartFile.format(of: out)?.rawValue.uppercased() ?? "?"), loss and smoothed loss against the learning rate"
                + (result.suggestion.map { " (suggested \(Format.rate($0.learningRate)) marked)" } ?? "")
            if json { console.diagnose(line) } else { console.line(line) }
        }
    }
}
