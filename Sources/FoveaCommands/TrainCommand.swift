import ArgumentParser
import Fovea
import Foundation

extension LearningRateSchedule.Kind: ExpressibleByArgument {}

/// `fovea train`: trains a network on an MNIST-style folder and reports every epoch.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a convolutional network with minibatch SGD on every core.",
        discussion: """
        With no flags, trains the default model on the MNIST copy in data/mnist.

        Model presets:
        \(ModelSpec.presets.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))

        A spec is a list of layers: conv(C,K[,stride=S][,pad=P]) relu maxpool(K[,stride=S]) \
        dropout(P) flatten dense(N). The network must end in one value per class.
        """
    )

    /// The default model and schedule: see README ("Defaults").
    public static let defaultModel = "mnist-cnn"

    @Option(help: "MNIST-style folder: train/t10k images and labels as IDX files, raw or .gz. (default: data/mnist)")
    var data: String?

    @Option(help: "A preset (mnist-cnn, lenet-small, mlp) or a model spec in quotes.")
    var model: String = TrainCommand.defaultModel

    @Option(help: "Number of passes over the training set.")
    var epochs: Int = 3

    @Option(name: .customLong("batch-size"), help: "Samples per SGD step.")
    var batchSize: Int = 32

    @Option(help: "Base learning rate.")
    var lr: Double = 0.015

    @Option(help: "SGD momentum (0 disables it).")
    var momentum: Double = 0.9

    @Flag(help: "Use Nesterov momentum.")
    var nesterov = false

    @Option(name: .customLong("weight-decay"), help: "L2 weight decay on weights (not biases).")
    var weightDecay: Double = 0

    @Option(help: "Learning-rate schedule: constant, step, cosine (to 0 at the end) or onecycle (up, then down; see README).")
    var schedule: LearningRateSchedule.Kind = .cosine

    @Option(name: .customLong("lr-step"), help: "With --schedule step: epochs between decays.")
    var lrStep: Int = 1

    @Option(name: .customLong("lr-gamma"), help: "With --schedule step: factor of each decay.")
    var lrGamma: Double = 0.1

    @Option(help: "Epochs of linear learning-rate warm-up (fractions allowed).")
    var warmup: Double = 0

    @OptionGroup(title: "Augmentation of the training images")
    var augmentation: AugmentationOptions

    @Option(help: "Seed of every random draw (initialisation, shuffling, dropout, augmentation).")
    var seed: UInt64 = 1

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Train on the first N training samples only.")
    var limit: Int?

    @Option(help: "Hold out the last N training samples as a validation set.")
    var validation: Int = 0

    @Option(help: "Number of classes (labels must lie in 0..<classes).")
    var classes: Int = 10

    @Flag(help: "Print each epoch as one JSON object per line (and nothing else on standard output).")
    var json = false

    public init() {}

    public mutating func validate() throws {
        try require(epochs >= 1, "--epochs must be at least 1, got \(epochs)")
        try require(batchSize >= 1, "--batch-size must be at least 1, got \(batchSize)")
        try require(lr > 0 && lr.isFinite, "--lr must be a positive number, got \(lr)")
        try require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got \(momentum)")
        try require(weightDecay >= 0 && weightDecay.isFinite, "--weight-decay must be 0 or more, got \(weightDecay)")
        try require(lrStep >= 1, "--lr-step must be at least 1, got \(lrStep)")
        try require(lrGamma > 0 && lrGamma <= 1, "--lr-gamma must be in (0, 1], got \(lrGamma)")
        try require(warmup >= 0 && warmup.isFinite, "--warmup must be 0 or more epochs, got \(warmup)")
        try require((threads ?? 1) >= 1, "--threads must be at least 1, got \(threads ?? 0)")
        try require((limit ?? 1) >= 1, "--limit must be at least 1, got \(limit ?? 0)")
        try require(validation >= 0, "--validation must be 0 or more, got \(validation)")
        try require(classes >= 2 && classes <= 256, "--classes must be in 2…256, got \(classes)")
        do {
            _ = try ModelSpec(model)
        } catch {
            throw ValidationError("--model: \(error)")
        }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// Runs the command, writing to `console`; failures are reported there as one line and
    /// rethrown as exit code 1.
    public func run(console: Console) throws {
        do {
            try train(console: console)
        } catch let failure as ExitCode {
            throw failure
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    private func train(console: Console) throws {
        let directory = try data ?? DataLocation.defaultMNIST()
        let dataset = try MNISTDataset(directory: directory, classes: classes)
        var train = limit.map { dataset.train.prefix($0) } ?? dataset.train
        var validationSet: ImageSet?
        if validation > 0 {
            guard validation < train.count else {
                throw CommandFailure(description: "--validation: \(validation) held-out samples leave none of the \(train.count) training samples to train on (use fewer)")
            }
            validationSet = train.suffix(validation)
            train = train.prefix(train.count - validation)
        }
        let spec = try ModelSpec(model)
        let network = try Network(spec: spec, inputShape: train.sampleShape, classes: classes)
        let normalization = Normalization(statisticsOf: train)
        let model = Model(network: network, normalization: normalization, seed: seed)
        let options = TrainingOptions(
            epochs: epochs, batchSize: batchSize,
            optimizer: SGDConfiguration(learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay),
            schedule: LearningRateSchedule(kind: schedule, stepEpochs: lrStep, gamma: lrGamma, warmupEpochs: warmup),
            seed: seed, augmentation: try augmentation.configuration())
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let trainer = Trainer(model: model, options: options, train: train, test: dataset.test,
                              validation: validationSet, threads: threadCount)

        let header: (String) -> Void = json ? { console.diagnose($0) } : { console.line($0) }
        let presetName = ModelSpec.presets.first { $0.key == self.model }?.key
        header("model: \(presetName.map { "\($0): " } ?? "")\(spec) (\(Format.integer(network.parameterCount)) parameters)")
        header("data: \(directory): \(Format.integer(train.count)) training\(validationSet.map { ", \(Format.integer($0.count)) validation" } ?? ""), "
            + "\(Format.integer(dataset.test.count)) test images \(train.height)×\(train.width); normalised with mean \(Format.fixed(Double(normalization.mean), 4)), std \(Format.fixed(Double(normalization.std), 4))")
        header("training: \(epochs) epoch\(epochs == 1 ? "" : "s") of \(Format.integer(trainer.stepsPerEpoch)) steps, batch \(batchSize), "
            + "SGD lr \(Format.rate(lr)) momentum \(Format.rate(momentum))\(nesterov ? " (Nesterov)" : "")"
            + "\(weightDecay > 0 ? " weight decay \(Format.rate(weightDecay))" : ""), \(options.schedule) schedule, seed \(seed), \(threadCount) thread\(threadCount == 1 ? "" : "s")")
        if !options.augmentation.isIdentity { header("augmentation: \(options.augmentation)") }

        let bar = console.isTerminal && !json ? ProgressBar(console: console) : nil
        for _ in 0 ..< epochs {
            let report = trainer.trainEpoch { progress in
                bar?.update(TrainingProgressView(epoch: progress.epoch, done: progress.samplesDone, total: progress.samples,
                                                 elapsed: progress.elapsedSeconds, loss: progress.runningLoss))
            }
            bar?.clear()
            console.line(json ? EpochLine.json(report) : EpochLine.human(report, epochs: epochs))
        }
    }
}

/// The per-epoch report line, for people and for programs.
enum EpochLine {
    /// `epoch 1/3  train loss 0.2134 acc 93.52%  test loss 0.0512 acc 98.31%  2,531 samples/s  24.1 s  lr 0.05`
    static func human(_ r: EpochReport, epochs: Int) -> String {
        var text = "epoch \(r.epoch)/\(epochs)  train loss \(Format.fixed(r.trainLoss, 4)) acc \(Format.percent(r.trainAccuracy))"
        if let v = r.validation {
            text += "  val loss \(Format.fixed(v.loss, 4)) acc \(Format.percent(v.accuracy))"
        }
        if let t = r.test {
            text += "  test loss \(Format.fixed(t.loss, 4)) acc \(Format.percent(t.accuracy))"
        }
        return text + "  \(Format.integer(Int(r.samplesPerSecond.rounded()))) samples/s  \(Format.fixed(r.seconds, 1)) s  lr \(Format.rate(r.learningRate))"
    }

    /// One JSON object: `epoch, train_loss, train_accuracy, test_loss, test_accuracy,
    /// [validation_loss, validation_accuracy,] samples_per_second, seconds, learning_rate`.
    static func json(_ r: EpochReport) -> String {
        var fields: [(String, String)] = [
            ("epoch", "\(r.epoch)"),
            ("train_loss", Format.json(r.trainLoss)),
            ("train_accuracy", Format.json(r.trainAccuracy)),
        ]
        if let t = r.test {
            fields += [("test_loss", Format.json(t.loss)), ("test_accuracy", Format.json(t.accuracy))]
        }
        if let v = r.validation {
            fields += [("validation_loss", Format.json(v.loss)), ("validation_accuracy", Format.json(v.accuracy))]
        }
        fields += [
            ("samples_per_second", Format.fixed(r.samplesPerSecond, 1)),
            ("seconds", Format.fixed(r.seconds, 3)),
            ("learning_rate", Format.json(r.learningRate)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// Where `fovea` finds the MNIST copy that ships with it.
enum DataLocation {
    /// `data/mnist` under the current directory, else under a parent of the executable's folder
    /// (so that `.build/release/fovea` finds the repository's copy from anywhere).
    static func defaultMNIST() throws -> String {
        let relative = "data/mnist"
        var candidates = [relative]
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0 ..< 5 {
            candidates.append(folder.appendingPathComponent(relative).path)
            folder = folder.deletingLastPathComponent()
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw CommandFailure(description: "data/mnist: not found in the current folder or beside the executable (run from the Fovea repository, or pass --data DIR)")
    }
}
