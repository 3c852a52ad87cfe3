import ArgumentParser
import Fovea
import Foundation

extension LearningRateSchedule.Kind: ExpressibleByArgument {}

/// `fovea train`: trains a network on an MNIST-style folder, reports every epoch, and keeps
/// checkpoints in a run folder; `--resume` continues a run from one, exactly.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a convolutional network with minibatch SGD, Adam or AdamW on every core.",
        discussion: """
        With no flags, trains the default model on the MNIST copy in data/mnist and keeps \
        checkpoints in a new folder runs/<date-time>/.

        Model presets:
        \(ModelSpec.presets.map { "  \($0.key): \($0.value)" }.joined(separator: "\n"))

        A spec is a list of layers separated by spaces; the network must end in what its loss \
        compares: one value per class for --loss ce (the default), one logit for --loss bce (two \
        classes: the prediction is class 1 where the logit is above 0), the input's shape for \
        --loss mse and l1 (an autoencoder: --target input, their default, compares with the clean \
        input image as the network sees it, normalised; with --target labels they regress the \
        label's value from one output). --input-noise and --occlude corrupt the network's input \
        (never the target) for a denoising autoencoder, drawn per (seed, epoch, sample); \
        evaluation corrupts each test image the same way every epoch. Such runs report MSE on the \
        intensity scale [0, 1] and PSNR (10·log10(1/MSE) dB) instead of accuracy. Layers:
        \(LayerRegistry.kinds.map { "  \($0.usage)\n      \($0.meaning)" }.joined(separator: "\n"))

        --clip-grad-norm X computes the global L2 norm of each step's gradient (all parameters, \
        batch mean) and, if it exceeds X, multiplies the gradient by X / (norm + 1e-6) before \
        the optimizer adds weight decay, as PyTorch's clip_grad_norm_. A step whose loss or \
        gradient is NaN or infinite stops the run (exit 1) without being applied, with or \
        without clipping.

        --early-stop N stops the run after the first epoch that leaves its metric N epochs \
        without improving, and exits 0: the metric is the one best.fovea is chosen by, \
        validation accuracy with --validation, else test accuracy (for a loss that does not \
        classify, the validation, else test, loss), and an epoch improves only if it beats the \
        best so far strictly (a tie keeps the earlier epoch), exactly as best.fovea is replaced. \
        So the epochs without improvement are those since the epoch best.fovea holds, and that \
        file is the model to use. A run that reaches its last epoch simply ends. The reason is \
        printed ("early stop after epoch 10: validation accuracy has not improved for 3 epochs \
        since epoch 7 (99.12%); best.fovea holds epoch 7"; with --json, an object \
        {"early_stop": {...}} after the last epoch's) and kept in the checkpoint (format 5).

        --resume FILE continues the run FILE saved, to --epochs in all (default: the run's own), \
        bit for bit as if it had never stopped. The model, optimizer and data settings come from \
        the file; only \(TrainCommand.changeableOnResume) may be given, the others must agree \
        with it. The early-stop count continues from the file; --early-stop N replaces the \
        file's patience (or turns early stopping on). Resuming a run that has stopped early (or \
        whose count has reached N) trains nothing and exits 0; give a larger --early-stop to \
        train it further.
        """
    )

    /// The flags `--resume` accepts with another value than the file's: those that never change
    /// the numbers an epoch produces (`--epochs` re-plans a cosine schedule, and says so).
    static let changeableOnResume = "--epochs, --early-stop, --data, --threads, --run-dir, --save-every, --keep and --json"

    /// The default model and schedule: see README ("Defaults").
    public static let defaultModel = "mnist-fast"

    /// The defaults of the flags that a resumed run takes from its checkpoint instead.
    enum Defaults {
        static let epochs = 3
        static let batchSize = 32
        static let optimizer = SGD.name
        static let schedule = LearningRateSchedule.Kind.cosine
        static let lrStep = 1
        static let lrGamma = 0.1
        static let warmup = 0.1
        static let seed: UInt64 = 1
        static let validation = 0
        static let classes = 10
        static let loss = SoftmaxCrossEntropy.option
    }

    @Option(help: "MNIST-style folder: train/t10k images and labels as IDX files, raw or .gz. (default: data/mnist; with --resume, the run's)")
    var data: String?

    @Option(help: "A preset (\(ModelSpec.presets.map(\.key).joined(separator: ", "))) or a model spec in quotes. (default: \(TrainCommand.defaultModel))")
    var model: String?

    @Option(help: "Number of passes over the training set, in all. (default: \(Defaults.epochs); with --resume, the run's)")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per optimizer step. (default: \(Defaults.batchSize))")
    var batchSize: Int?

    @OptionGroup
    var optimization: OptimizerOptions

    @Option(help: "Learning-rate schedule: constant, step, cosine (to 0 at the end) or onecycle (up, then down; see README). (default: \(Defaults.schedule.rawValue))")
    var schedule: LearningRateSchedule.Kind?

    @Option(name: .customLong("lr-step"), help: "With --schedule step: epochs between decays. (default: \(Defaults.lrStep))")
    var lrStep: Int?

    @Option(name: .customLong("lr-gamma"), help: "With --schedule step: factor of each decay. (default: \(Defaults.lrGamma))")
    var lrGamma: Double?

    @Option(help: "Epochs of linear learning-rate warm-up (fractions allowed). (default: \(Defaults.warmup))")
    var warmup: Double?

    @Option(name: .customLong("clip-grad-norm"),
            help: ArgumentHelp("Before each step, scale the gradient down to this global L2 norm if it is larger (PyTorch's clip_grad_norm_). (default: off)",
                               valueName: "max-norm"))
    var clipGradNorm: Double?

    @Option(name: .customLong("early-stop"),
            help: ArgumentHelp("Stop when the validation (else test) accuracy has not improved for N epochs; best.fovea holds the best epoch. (default: off; with --resume, the run's)",
                               valueName: "N"))
    var earlyStop: Int?

    @Option(name: .customLong("memory-budget"),
            help: ArgumentHelp("The most memory training may take, in GiB; a larger estimate is refused before anything is allocated. (default: half of this machine's memory)",
                               valueName: "GiB"))
    var memoryBudget: Double?

    @OptionGroup(title: "Augmentation of the training images")
    var augmentation: AugmentationOptions

    @Option(help: "Seed of every random draw (initialisation, shuffling, dropout, augmentation). (default: \(Defaults.seed))")
    var seed: UInt64?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Train on the first N training samples only.")
    var limit: Int?

    @Option(help: "Hold out the last N training samples as a validation set. (default: \(Defaults.validation))")
    var validation: Int?

    @Option(help: "Number of classes (labels must lie in 0..<classes). (default: \(Defaults.classes); 2 with --loss bce)")
    var classes: Int?

    @Option(help: ArgumentHelp("The loss: ce (softmax cross-entropy, one logit per class), bce (binary cross-entropy, one logit, 2 classes), mse or l1 (mean squared or absolute error against the input: the network reconstructs it). (default: \(Defaults.loss); with --resume, the run's)",
                               valueName: "ce|bce|mse|l1"))
    var loss: String?

    @OptionGroup(title: "Autoencoders and denoising")
    var task: TaskOptions

    @Option(name: .customLong("run-dir"), help: "Folder for checkpoints and metrics.csv. (default: runs/<date-time>; with --resume, the checkpoint's folder)")
    var runDir: String?

    @Option(name: .customLong("save-every"), help: "Also write last.fovea every N steps (0: at epoch ends only).")
    var saveEvery: Int = 0

    @Option(help: "Keep the checkpoints of the last K epochs as epoch-NNNN.fovea (0: none).")
    var keep: Int = 3

    @Option(help: "Continue the run saved in this checkpoint (.fovea).")
    var resume: String?

    @Flag(help: "Print each epoch as one JSON object per line (and nothing else on standard output).")
    var json = false

    public init() {}

    public mutating func validate() throws {
        try require((epochs ?? 1) >= 1, "--epochs must be at least 1, got \(epochs ?? 0)")
        // Each value in its range (with --resume too), then, for a new run, the flags the
        // optimizer takes.
        try optimization.check(makingOptimizer: resume == nil)
        try require((lrStep ?? 1) >= 1, "--lr-step must be at least 1, got \(lrStep ?? 0)")
        try require(lrGamma.map { $0 > 0 && $0 <= 1 } ?? true, "--lr-gamma must be in (0, 1], got \(lrGamma ?? 0)")
        try require(warmup.map { $0 >= 0 && $0.isFinite } ?? true, "--warmup must be 0 or more epochs, got \(warmup ?? 0)")
        try TrainingFlags.check(batchSize: batchSize, threads: threads, limit: limit, validation: validation, classes: classes,
                                clipGradNorm: clipGradNorm, memoryBudget: memoryBudget, loss: loss)
        try task.check()
        try require(earlyStop.map(EarlyStopping.accepts) ?? true,
                    "--early-stop: must be \(EarlyStopping.requirement) without improvement, got \(earlyStop ?? 0)")
        try require(saveEvery >= 0, "--save-every must be 0 or more steps, got \(saveEvery)")
        try require(keep >= 0, "--keep must be 0 or more epochs, got \(keep)")
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
    /// rethrown as exit code 1. `stopCheck`, polled before every step (and once more when the
    /// run ends), asks the run to stop (save `last.fovea`, say how to resume, exit 130 or 143;
    /// before the first step, save nothing); without it, SIGINT and SIGTERM do (`StopSignals`).
    /// See docs/reliability.md, "Signals at every phase". Under `mpirun` (the MPI build), every
    /// process runs this as one rank of the run (docs/distributed.md): rank 0 prints and writes,
    /// the others stay silent unless they fail, and a failing rank ends the whole job.
    public func run(console: Console, stopCheck: (() -> StopReason?)? = nil) throws {
        let group: any ProcessGroup
        do {
            // Metered: the trainer's exchange and the stop agreement before every step are what
            // an epoch line's "exchange" figures count.
            group = MeteredProcessGroup(try ProcessLaunch.group())
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
        let speaks = group.rank == 0
        let signals = stopCheck == nil ? StopSignals(notice: { if speaks { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }) : nil
        defer { signals?.cancel() }
        let localStop = stopCheck ?? { signals?.requested }
        do {
            try train(console: speaks ? console : SilentConsole(), group: group, stopCheck: { group.agreedStop(localStop()) },
                      trainingStarts: { signals?.trainingStarts() })
        } catch let failure as ExitCode {
            group.finish()
            throw failure
        } catch {
            console.diagnose("fovea: \(group.failurePrefix)\(error)")
            if group.size > 1 { group.abort(exitCode: ExitCode.failure.rawValue) }
            throw ExitCode.failure
        }
        group.finish()
    }

    private func train(console: Console, group: any ProcessGroup, stopCheck: () -> StopReason?, trainingStarts: () -> Void) throws {
        let resumed = try resume.map { file throws in try CheckpointReader.read(file) }
        if let resumed { try checkFlags(against: resumed) }
        let directory = try DataLocation.resolve(given: data, recorded: resumed?.data.directory)
        let (lossKind, classCount) = resumed.map { ($0.network.loss, $0.network.classes) }
            ?? TrainingFlags.loss(loss, classes: classes, defaultClasses: Defaults.classes)
        let dataset = try MNISTDataset(directory: directory, classes: classCount)
        let limit: Int? = if let resumed { resumed.data.limit } else { self.limit }
        let heldOut = resumed?.data.validation ?? validation ?? Defaults.validation
        let (train, validationSet) = try TrainingFlags.split(dataset.train, limit: limit, heldOut: heldOut)
        let record = TrainingDataRecord(directory: DataLocation.absolute(directory), limit: limit, validation: heldOut,
                                        train: DataFingerprint(of: train), validationSet: DataFingerprint(of: validationSet),
                                        test: DataFingerprint(of: dataset.test))
        // Only rank 0 creates, locks and writes the run folder.
        let runDirectory = group.rank == 0 ? try prepareRunDirectory(resumed: resumed) : RunDirectory.unwritten(runDir ?? ".")
        let threadCount = ThreadCount.resolve(threads, console: console)

        let trainer: Trainer
        var history = RunHistory()
        if let resumed {
            let epochs = self.epochs ?? resumed.options.epochs
            let finished = resumed.state.epoch, plural = finished == 1 ? "" : "s"
            guard epochs > finished else {
                guard epochs == finished else {
                    throw CommandFailure(description: "--epochs: \(resumed.path) has finished \(finished) epoch\(plural), more than the \(epochs) asked for (pass --epochs \(finished + 1) or more to train further)")
                }
                // Finished already: nothing to train and nothing written, as for a run that
                // stopped early, so that resuming a run is idempotent (exit status 0).
                let note = "\(resumed.path) has finished all \(finished) epoch\(plural): nothing to train (pass --epochs \(finished + 1) or more to train further)"
                json ? console.diagnose(note) : console.line(note)
                return
            }
            try MemoryBudget.check(network: resumed.network, batchSize: resumed.options.batchSize, threads: threadCount,
                                   optimizer: resumed.options.optimizer, budget: memoryBudget, processes: group.size)
            trainer = try Trainer(resuming: resumed, epochs: epochs, train: train, test: dataset.test, validation: validationSet, threads: threadCount)
            history = resumed.history
            for warning in [
                DataLocation.mismatchWarning("training set", directory: directory, file: resumed.path, recorded: resumed.data.train, actual: record.train,
                                             consequence: "resuming anyway; the run will not equal one that never stopped"),
                DataLocation.mismatchWarning("validation set", directory: directory, file: resumed.path, recorded: resumed.data.validationSet,
                                             actual: record.validationSet, consequence: "validation figures will not compare with earlier epochs"),
                DataLocation.mismatchWarning("test set", directory: directory, file: resumed.path, recorded: resumed.data.test, actual: record.test,
                                             consequence: "test figures will not compare with earlier epochs"),
            ] {
                if let warning { console.diagnose(warning) }
            }

        } else {
            let spec = try ModelSpec(model ?? TrainCommand.defaultModel)
            let network = try TrainingFlags.network(spec: spec, inputShape: train.sampleShape, classes: classCount, loss: lossKind, given: loss,
                                                    target: task.givenTarget)
            let corruption = try task.corruption(loss: lossKind, target: network.target, height: train.height, width: train.width)
            let seed = self.seed ?? Defaults.seed
            let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: seed)
            let options = TrainingOptions(
                epochs: epochs ?? Defaults.epochs, batchSize: TrainingFlags.batchSize(batchSize ?? Defaults.batchSize, fitting: train.count, console: console),
                optimizer: try optimization.make(),
                schedule: LearningRateSchedule(kind: schedule ?? Defaults.schedule, stepEpochs: lrStep ?? Defaults.lrStep,
                                               gamma: lrGamma ?? Defaults.lrGamma, warmupEpochs: warmup ?? Defaults.warmup),
                seed: seed, augmentation: try augmentation.configuration(), gradientClipping: clipGradNorm.flatMap(GradientClipping.init(maxNorm:)),
                corruption: corruption)
            try MemoryBudget.check(network: network, batchSize: options.batchSize, threads: threadCount, optimizer: options.optimizer,
                                   budget: memoryBudget, processes: group.size)
            trainer = Trainer(model: model, options: options, train: train, test: dataset.test, validation: validationSet, threads: threadCount)
        }
        do {
            try trainer.distribute(over: group)
        } catch {
            runDirectory.removeIfUnused()  // refused before anything was written: no empty run folder
            throw error
        }
        // --early-stop, else (on resume) the file's: the count continues from the file's history.
        let earlyStopping = earlyStop.flatMap(EarlyStopping.init(patience:)) ?? resumed?.earlyStopping
        let metric = SelectionMetric(validation: trainer.validation, test: trainer.test, loss: trainer.model.network.loss)
        if earlyStopping != nil && metric == nil {
            throw CommandFailure(description: "--early-stop: no validation or test images are evaluated after each epoch, so there is no metric to watch (hold out a validation set with --validation N)")
        }
        if let resumed, let earlyStopping, let metric, trainer.stepInEpoch == 0,
           earlyStopping.stops(history, epoch: trainer.epoch, epochs: trainer.options.epochs) {
            // Stopped early already (or the count has reached a smaller --early-stop): nothing to
            // train, and nothing is written.
            reportEarlyStop(console: console, metric: metric, history: history, epoch: trainer.epoch, patience: earlyStopping.patience,
                            runDirectory: runDirectory,
                            suffix: "; nothing to train from \(resumed.path) (give --early-stop \(resumed.epochsWithoutImprovement + 1) or more to train further)")
            if let reason = stopCheck() {
                console.diagnose("fovea: \(reason.signalName): the run had finished; \(resumed.path) is unchanged")
                throw ExitCode(reason.exitCode)
            }
            return
        }
        history.stoppedEarly = false
        printHeader(console: console, trainer: trainer, directory: directory, testCount: dataset.test.count, runDirectory: runDirectory,
                    resumed: resumed, threads: threadCount, earlyStopping: earlyStopping.flatMap { e in metric.map { (e, $0, history) } })
        if group.size > 1 { json ? console.diagnose(group.summary) : console.line(group.summary) }

        let epochs = trainer.options.epochs
        // No live bar across processes: Open MPI gives each rank a pseudo-terminal whatever
        // mpirun's own output is (often a cluster job's log file), so isatty says nothing there;
        // the epoch lines still print.
        let bar = console.isTerminal && !json && group.size == 1 ? ProgressBar(console: console) : nil
        var metrics = MetricsFile(path: runDirectory.metrics, keepingEpochsThrough: trainer.epoch)
        var savePoint = SavePoint(resumedFrom: resumed?.path, writes: group.rank == 0)
        var stopReason: StopReason?
        // The global step this process started at, and the one whose state last.fovea holds if
        // this process wrote it: a stop right after a save does not write the same state again.
        let firstStep = trainer.globalStep
        var savedStep: Int?
        trainingStarts()
        let shouldStop = {
            if stopReason == nil { stopReason = stopCheck() }
            return stopReason != nil
        }
        while trainer.epoch < epochs {
            let report = try trainer.trainEpoch(shouldStop: shouldStop) { progress in
                bar?.update(TrainingProgressView(epoch: progress.epoch, done: progress.samplesDone, total: progress.samples,
                                                 elapsed: progress.elapsedSeconds, loss: progress.runningLoss))
                if saveEvery > 0 && trainer.globalStep % saveEvery == 0 && trainer.stepInEpoch < trainer.stepsPerEpoch {
                    try savePoint.save("the checkpoint of step \(Format.integer(trainer.globalStep))", checkpoint: runDirectory.last) {
                        try CheckpointWriter.write(Checkpoint(trainer: trainer, data: record, history: history, earlyStopping: earlyStopping),
                                                   to: runDirectory.last)
                    }
                    savedStep = trainer.globalStep
                }
            }
            bar?.clear()
            guard let report else { break }
            let isBest = history.record(report)
            history.stoppedEarly = earlyStopping?.stops(history, epoch: trainer.epoch, epochs: epochs) ?? false
            console.line(json ? EpochLine.json(report) : EpochLine.human(report, epochs: epochs))
            try savePoint.save("the checkpoints of epoch \(trainer.epoch)", checkpoint: runDirectory.last) {
                try runDirectory.saveEpoch(Checkpoint(trainer: trainer, data: record, history: history, earlyStopping: earlyStopping),
                                           isBest: isBest, keep: keep)
            }
            savedStep = trainer.globalStep
            try savePoint.save("metrics.csv") { try metrics.append(report) }
            if history.stoppedEarly, let earlyStopping, let metric {
                reportEarlyStop(console: console, metric: metric, history: history, epoch: trainer.epoch, patience: earlyStopping.patience,
                                runDirectory: runDirectory, suffix: "")
                break
            }
        }
        guard let reason = stopReason ?? stopCheck() else { return }
        if trainer.globalStep == firstStep {
            // Stopped before the first step (the signal came while the data loaded or the run was
            // set up): there is nothing new to save, and a checkpoint of the starting state would
            // only replace a newer last.fovea of the run resumed, or litter a new run folder.
            if let resumed {
                console.diagnose("fovea: \(reason.signalName): stopped before training resumed; \(resumed.path) is unchanged")
                console.diagnose("fovea: to resume: fovea train --resume \(Shell.quoted(resumed.path))")
            } else {
                runDirectory.removeIfUnused()
                console.diagnose("fovea: \(reason.signalName): stopped before training started; nothing saved")
            }
        } else if trainer.epoch < epochs && !history.stoppedEarly {
            if savedStep != trainer.globalStep {
                try savePoint.save("last.fovea on stopping", checkpoint: runDirectory.last) {
                    try CheckpointWriter.write(Checkpoint(trainer: trainer, data: record, history: history, earlyStopping: earlyStopping),
                                               to: runDirectory.last)
                }
            }
            let point = trainer.stepInEpoch == 0
                ? "after epoch \(trainer.epoch) of \(epochs)"
                : "in epoch \(trainer.epoch + 1) after step \(Format.integer(trainer.stepInEpoch)) of \(Format.integer(trainer.stepsPerEpoch))"
            console.diagnose("fovea: \(reason.signalName): stopped \(point); saved \(runDirectory.last)")
            console.diagnose("fovea: to resume: fovea train --resume \(Shell.quoted(runDirectory.last))")
        } else {
            console.diagnose("fovea: \(reason.signalName): the run had finished; its checkpoints are in \(runDirectory.path)")
        }
        throw ExitCode(reason.exitCode)
    }

    /// Says why the run stops (or has stopped) early after `epoch`: the line on standard output
    /// (on standard error with `--json`, which prints `EarlyStopReport.json` instead), naming
    /// best.fovea if the run folder's holds the best epoch.
    private func reportEarlyStop(console: Console, metric: SelectionMetric, history: RunHistory, epoch: Int, patience: Int,
                                 runDirectory: RunDirectory, suffix: String) {
        let holdsBest = history.best.map { best in (try? CheckpointReader.read(runDirectory.best))?.state.epoch == best.epoch } ?? false
        let bestFile = holdsBest ? runDirectory.best : nil
        let line = EarlyStopReport.line(metric, history: history, epoch: epoch, bestFile: bestFile) + suffix
        if json {
            console.diagnose(line)
            console.line(EarlyStopReport.json(metric, history: history, epoch: epoch, patience: patience, bestFile: bestFile))
        } else {
            console.line(line)
        }
    }

    /// The optimizer's hyper-parameters given on the command line, by flag.
    private var optimizerFlags: [String: Double] { optimization.flags }

    /// On resume, refuses any flag that contradicts the checkpoint.
    private func checkFlags(against checkpoint: Checkpoint) throws {
        let file = checkpoint.path
        if let model, let spec = try? ModelSpec(model), spec != checkpoint.network.spec {
            throw CommandFailure(description: "--model: '\(spec)' differs from the model of \(file), '\(checkpoint.network.spec)' (drop --model to resume this run, or start a new run without --resume)")
        }
        let o = checkpoint.options
        let kind = type(of: o.optimizer)
        let given = optimizerFlags
        for flag in given.keys.sorted() where !kind.hyperParameters.contains(where: { $0.flag == flag }) {
            throw CommandFailure(description: "\(flag): does not apply to \(kind.name), the optimizer of \(file) (drop \(flag) to resume)")
        }
        func shown(_ parameter: HyperParameter, _ value: Double) -> String {
            parameter.isSwitch ? (value == 0 ? "off" : "on") : "\(value)"
        }
        let optimizerChecks = zip(kind.hyperParameters, o.optimizer.values).map { parameter, saved in
            (flag: parameter.flag, given: given[parameter.flag].map { shown(parameter, $0) }, saved: shown(parameter, saved))
        }
        let checks: [(flag: String, given: String?, saved: String)] = [
            ("--optimizer", optimization.optimizer, kind.name),
            ("--batch-size", batchSize.map { "\($0)" }, "\(o.batchSize)"),
        ] + optimizerChecks + [
            ("--schedule", schedule?.rawValue, o.schedule.kind.rawValue),
            ("--lr-step", lrStep.map { "\($0)" }, "\(o.schedule.stepEpochs)"),
            ("--lr-gamma", lrGamma.map { "\($0)" }, "\(o.schedule.gamma)"),
            ("--warmup", warmup.map { "\($0)" }, "\(o.schedule.warmupEpochs)"),
            ("--clip-grad-norm", clipGradNorm.map { "\($0)" }, o.gradientClipping.map { "\($0.maxNorm)" } ?? "no clipping"),
            ("--seed", seed.map { "\($0)" }, "\(o.seed)"),
            ("--limit", limit.map { "\($0)" }, checkpoint.data.limit.map { "\($0)" } ?? "all samples"),
            ("--validation", validation.map { "\($0)" }, "\(checkpoint.data.validation)"),
            ("--classes", classes.map { "\($0)" }, "\(checkpoint.network.classes)"),
            ("--loss", loss, checkpoint.network.loss.option),
        ] + task.contradictions(network: checkpoint.network, corruption: o.corruption)
        for check in checks {
            if let given = check.given, given != check.saved {
                throw CommandFailure(description: "\(check.flag): \(given) contradicts \(file), which was trained with \(check.saved) (drop \(check.flag) to resume; only \(TrainCommand.changeableOnResume) can change)")
            }
        }
        let flags = augmentation.given
        if !flags.isEmpty, let given = try? augmentation.configuration(over: o.augmentation), given != o.augmentation {
            throw CommandFailure(description: "\(flags.joined(separator: ", ")): augmentation \(given) contradicts \(file), which was trained with augmentation \(o.augmentation) (drop \(flags.count == 1 ? "it" : "them") to resume; only \(TrainCommand.changeableOnResume) can change)")
        }
    }

    /// The run folder, created and checked writable before training starts: `--run-dir`, else
    /// the resumed checkpoint's folder, else a new `runs/<date-time>`.
    private func prepareRunDirectory(resumed: Checkpoint?) throws -> RunDirectory {
        if let runDir {
            return try RunDirectory.prepare(runDir, source: "--run-dir \(runDir)", hint: "choose a writable folder with --run-dir")
        }
        if let resumed {
            let folder = (resumed.path as NSString).deletingLastPathComponent
            return try RunDirectory.prepare(folder.isEmpty ? "." : folder, source: folder.isEmpty ? "." : folder,
                                            hint: "pass --run-dir DIR to continue the run in a writable folder")
        }
        return try RunDirectory.prepare(RunDirectory.defaultPath(), source: "runs", hint: "run from a writable folder, or pass --run-dir DIR")
    }

    private func printHeader(console: Console, trainer: Trainer, directory: String, testCount: Int, runDirectory: RunDirectory,
                             resumed: Checkpoint?, threads: Int,
                             earlyStopping: (EarlyStopping, SelectionMetric, RunHistory)?) {
        let header: (String) -> Void = json ? { console.diagnose($0) } : { console.line($0) }
        let network = trainer.model.network, options = trainer.options, normalization = trainer.model.normalization
        let presetName = ModelSpec.presets.first { (try? ModelSpec($0.value)) == network.spec }?.key
        header("model: \(presetName.map { "\($0): " } ?? "")\(network.spec) (\(Format.integer(network.parameterCount)) parameters)")
        header("data: \(directory): \(Format.integer(trainer.train.count)) training\(trainer.validation.map { ", \(Format.integer($0.count)) validation" } ?? ""), "
            + "\(Format.integer(testCount)) test images \(trainer.train.height)×\(trainer.train.width); normalised with mean \(Format.fixed(Double(normalization.mean), 4)), std \(Format.fixed(Double(normalization.std), 4))")
        header("training: \(options.epochs) epoch\(options.epochs == 1 ? "" : "s") of \(Format.integer(trainer.stepsPerEpoch)) steps, batch \(options.batchSize), "
            + (network.loss == SoftmaxCrossEntropy.self ? "" : "loss \(network.loss.title)\(network.loss.classifies ? "" : " against \(network.target.description)"), ")
            + "\(options.optimizer.summary(number: Format.rate)), \(options.schedule) schedule, "
            + (options.gradientClipping.map { "gradient norm clipped to \(Format.rate($0.maxNorm)), " } ?? "")
            + (earlyStopping.map { e, metric, _ in "early stop after \(e.patience) epoch\(e.patience == 1 ? "" : "s") without a better \(metric.title), " } ?? "")
            + "seed \(options.seed), \(threads) thread\(threads == 1 ? "" : "s")")
        if !options.augmentation.isIdentity { header("augmentation: \(options.augmentation)") }
        if !options.corruption.isIdentity { header("input corruption: \(options.corruption) (the target stays clean)") }
        let saves = "last.fovea every epoch\(saveEvery > 0 ? " and every \(Format.integer(saveEvery)) steps" : ""), best.fovea"
            + (keep > 0 ? ", the last \(keep) epoch-NNNN.fovea" : "") + ", metrics.csv"
        header("run dir: \(runDirectory.path) (\(saves))")
        if let resumed {
            let state = resumed.state
            header("resuming \(resumed.path): epoch \(state.epoch + 1), step \(Format.integer(state.stepInEpoch)) of \(Format.integer(resumed.stepsPerEpoch)) (global step \(Format.integer(state.globalStep)))"
                + (earlyStopping.map { e, metric, history in
                    let count = EarlyStopping.epochsWithoutImprovement(history, epoch: state.epoch)
                    return "; \(count) of \(e.patience) epochs without a better \(metric.title)"
                        + (history.best.map { " since epoch \($0.epoch)" } ?? "")
                } ?? ""))
            if options.epochs != resumed.options.epochs && [.cosine, .onecycle].contains(options.schedule.kind) {
                header("note: --epochs \(options.epochs) changes the \(options.schedule.kind.rawValue) schedule planned for \(resumed.options.epochs) epochs; the learning rate follows the new curve from here (the run will equal neither plan exactly)")
            }
        }
    }
}

/// Quoting for the command lines Fovea prints.
enum Shell {
    /// `path` as one shell word: as is if it only has safe characters, else in single quotes.
    static func quoted(_ path: String) -> String {
        let safe = path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:,=@%".contains($0) }
        return safe && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
