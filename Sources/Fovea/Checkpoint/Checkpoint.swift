/// Everything a checkpoint file holds: the model (spec, input shape, parameters, normalisation),
/// the optimizer's state, where the run stands, its hyper-parameters, what data it trained on,
/// and the evaluations so far. `CheckpointWriter` writes one, `CheckpointReader` reads and
/// validates one; `Trainer(resuming:…)` continues the run.
public struct Checkpoint: Sendable {
    /// The file it was read from (`""` for one built in memory); errors name it.
    public var path: String
    public var formatVersion: Int
    /// The Fovea version that wrote it.
    public var writerVersion: String
    /// The model: spec, input shape `[C, H, W]` and classes.
    public let network: Network
    public var normalization: Normalization
    /// The run's settings; `epochs` is the planned total (the cosine schedule's length).
    public var options: TrainingOptions
    public var data: TrainingDataRecord
    /// `network.parameterCount` values in `network.parameterTensors` order.
    public var parameters: [Float]
    /// The layers' non-trainable state, `network.stateCount` values in `network.stateTensors`
    /// order (empty for a model without state).
    public var layerState: [Float]
    /// Optimizer updates applied (equals `state.globalStep`).
    public var optimizerStep: Int
    /// The optimizer's state tensors, in `Optimizer.stateNames` order (SGD: `velocity`; Adam:
    /// `m`, `v`), each in parameter order.
    public var optimizerTensors: [[Float]]
    public var state: TrainingState
    /// `⌈data.train.count / options.batchSize⌉`.
    public var stepsPerEpoch: Int
    public var history: RunHistory
    /// `--early-stop`: the run stops after this many epochs without improvement (`nil`: it does
    /// not stop early). Where the count stands follows from `history` and `state`
    /// (`EarlyStopping.epochsWithoutImprovement`); whether it stopped is `history.stoppedEarly`.
    public var earlyStopping: EarlyStopping?

    public init(path: String = "", formatVersion: Int = CheckpointFormat.version, writerVersion: String = FoveaVersion.current,
                network: Network, normalization: Normalization, options: TrainingOptions, data: TrainingDataRecord,
                parameters: [Float], layerState: [Float] = [], optimizerStep: Int, optimizerTensors: [[Float]], state: TrainingState,
                stepsPerEpoch: Int, history: RunHistory, earlyStopping: EarlyStopping? = nil) {
        self.path = path
        self.formatVersion = formatVersion
        self.writerVersion = writerVersion
        self.network = network
        self.normalization = normalization
        self.options = options
        self.data = data
        self.parameters = parameters
        self.layerState = layerState
        self.optimizerStep = optimizerStep
        self.optimizerTensors = optimizerTensors
        self.state = state
        self.stepsPerEpoch = stepsPerEpoch
        self.history = history
        self.earlyStopping = earlyStopping
    }

    /// A snapshot of `trainer` between two steps.
    public init(trainer: Trainer, data: TrainingDataRecord, history: RunHistory, earlyStopping: EarlyStopping? = nil) {
        self.init(network: trainer.model.network, normalization: trainer.model.normalization, options: trainer.options, data: data,
                  parameters: trainer.model.parameters.array, layerState: trainer.model.state.array, optimizerStep: trainer.optimizerState.step,
                  optimizerTensors: trainer.optimizerState.tensors, state: trainer.state, stepsPerEpoch: trainer.stepsPerEpoch,
                  history: history, earlyStopping: earlyStopping)
    }

    /// The figure the run's best epoch and early stopping are judged by: validation if the run
    /// holds out a validation set, else test; accuracy if its loss classifies, else the loss.
    public var selectionMetric: SelectionMetric {
        SelectionMetric(hasValidation: data.validation > 0, classifies: network.loss.classifies)
    }

    /// The epochs finished since the best one (`EarlyStopping.epochsWithoutImprovement`).
    public var epochsWithoutImprovement: Int {
        EarlyStopping.epochsWithoutImprovement(history, epoch: state.epoch)
    }

    /// The optimizer's state tensors with their names.
    public var namedOptimizerTensors: [(name: String, values: [Float])] {
        zip(type(of: options.optimizer).stateNames, optimizerTensors).map { ($0, $1) }
    }

    /// SGD's momentum buffer `velocity`, in parameter order (empty for an optimizer without one).
    public var velocity: [Float] { namedOptimizerTensors.first { $0.name == "velocity" }?.values ?? [] }

    /// SHA-256 of the parameter tensors' bytes in file order (`weights_sha256`).
    public var weightsSHA256: [UInt8] { SHA256Digest.weights(parameters) }

    /// The model, ready to evaluate.
    public func makeModel() -> Model {
        Model(network: network, normalization: normalization, parameters: parameters, state: layerState)
    }

    /// Why the values do not fit the model and the optimizer (a library caller can build such a
    /// checkpoint), or `nil`: one value per parameter and per state value, one tensor per
    /// optimizer state name, each as long as the parameters. The writer and `Trainer(resuming:)`
    /// refuse a checkpoint that does not fit.
    var countMismatch: String? {
        let stateNames = type(of: options.optimizer).stateNames
        if parameters.count != network.parameterCount {
            return "\(parameters.count) parameter values for a model of \(network.parameterCount)"
        }
        if layerState.count != network.stateCount {
            return "\(layerState.count) layer state values for a model that keeps \(network.stateCount)"
        }
        if optimizerTensors.count != stateNames.count {
            return "\(optimizerTensors.count) optimizer state tensors for \(stateNames.count) (\(stateNames.joined(separator: ", ")))"
        }
        if !optimizerTensors.allSatisfy({ $0.count == network.parameterCount }) {
            return "optimizer state tensors of \(optimizerTensors.map(\.count)) values for \(network.parameterCount) parameters"
        }
        return nil
    }

    /// Whether the file needs a `TASK` section (format version 6): the network's target is not
    /// its loss's default (`Loss.defaultTarget`), or the run corrupts its inputs. Without one, a
    /// reader takes the loss's default target and no corruption.
    public var holdsTask: Bool {
        network.target != network.loss.defaultTarget || !options.corruption.isIdentity
    }

    /// Why the run's target and corruption cannot go together, or `nil`: only a run against the
    /// clean input (`TrainingTarget.input`) corrupts its inputs, and the patch must be smaller
    /// than the images (`InputCorruption.mismatch`). The writer and `Trainer(resuming:)` refuse
    /// a checkpoint that claims otherwise (the reader would refuse the file).
    var taskMismatch: String? {
        let corruption = options.corruption
        guard !corruption.isIdentity else { return nil }
        if network.target != .input {
            return "a run against \(network.target.description) with its input corrupted (\(corruption)); only a run against the input corrupts it"
        }
        return corruption.mismatch(height: network.inputShape.height, width: network.inputShape.width)
    }

    /// Why `history.stoppedEarly` cannot hold, or `nil`: a run stops early only with early
    /// stopping, at an epoch's end, once its metric has gone `patience` epochs without improving.
    /// The writer refuses a checkpoint that claims otherwise (the reader would refuse the file).
    var earlyStopMismatch: String? {
        guard history.stoppedEarly else { return nil }
        guard let earlyStopping else { return "a run without early stopping marked as stopped early" }
        if state.stepInEpoch != 0 { return "a run marked as stopped early in the middle of epoch \(state.epoch + 1)" }
        if epochsWithoutImprovement < earlyStopping.patience {
            return "a run marked as stopped early after \(epochsWithoutImprovement) epochs without improvement, fewer than its patience of \(earlyStopping.patience)"
        }
        return nil
    }
}

/// What a run trained on: where the data came from, how it was cut, and a fingerprint of each
/// set (so that resuming or evaluating on other data is noticed).
public struct TrainingDataRecord: Equatable, Sendable {
    /// The data folder, as an absolute path.
    public var directory: String
    /// `--limit`: the run used the first `limit` training samples (`nil`: all).
    public var limit: Int?
    /// `--validation`: the last `validation` of those were held out.
    public var validation: Int
    public var train: DataFingerprint
    public var validationSet: DataFingerprint
    public var test: DataFingerprint

    public init(directory: String, limit: Int?, validation: Int, train: DataFingerprint, validationSet: DataFingerprint,
                test: DataFingerprint) {
        self.directory = directory
        self.limit = limit
        self.validation = validation
        self.train = train
        self.validationSet = validationSet
        self.test = test
    }
}

/// The evaluation after one epoch, as a checkpoint keeps it (`nil`: not measured).
public struct EpochEvaluation: Equatable, Sendable {
    public var epoch: Int
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?

    public init(epoch: Int, testLoss: Double?, testAccuracy: Double?, validationLoss: Double?, validationAccuracy: Double?) {
        self.epoch = epoch
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }

    public init(_ report: EpochReport) {
        self.init(epoch: report.epoch, testLoss: report.test?.loss, testAccuracy: report.test?.accuracy,
                  validationLoss: report.validation?.loss, validationAccuracy: report.validation?.accuracy)
    }

    /// The accuracy `best.fovea` is chosen by: validation if there is a validation set, else test.
    public var selectionAccuracy: Double? { validationAccuracy ?? testAccuracy }

    /// The loss `best.fovea` is chosen by when the loss does not classify (no accuracy):
    /// validation if there is a validation set, else test.
    public var selectionLoss: Double? { validationLoss ?? testLoss }

    /// Whether this evaluation beats `other`: a higher accuracy, or for a loss that does not
    /// classify a lower loss (a tie keeps the earlier).
    func isBetter(than other: EpochEvaluation) -> Bool {
        if let accuracy = selectionAccuracy, let otherAccuracy = other.selectionAccuracy { return accuracy > otherAccuracy }
        if let loss = selectionLoss, let otherLoss = other.selectionLoss { return loss < otherLoss }
        return false
    }
}

/// The evaluations of a run so far: the last epoch's and the best one's, and whether the run
/// stopped early after the last.
public struct RunHistory: Equatable, Sendable {
    public var last: EpochEvaluation?
    public var best: EpochEvaluation?
    /// The run stopped early after its last finished epoch (`EarlyStopping`): its metric had not
    /// improved for the patience's epochs since `best`. A checkpoint keeps it only with its
    /// early stopping (format version 5).
    public var stoppedEarly: Bool

    public init(last: EpochEvaluation? = nil, best: EpochEvaluation? = nil, stoppedEarly: Bool = false) {
        self.last = last
        self.best = best
        self.stoppedEarly = stoppedEarly
    }

    /// Records a finished epoch; returns whether it is the best so far (a tie keeps the earlier).
    /// A run that trains another epoch has not stopped (`stoppedEarly` is cleared).
    public mutating func record(_ report: EpochReport) -> Bool {
        let evaluation = EpochEvaluation(report)
        last = evaluation
        stoppedEarly = false
        guard evaluation.selectionAccuracy != nil || evaluation.selectionLoss != nil else { return false }
        if let best, !evaluation.isBetter(than: best) { return false }
        best = evaluation
        return true
    }
}
