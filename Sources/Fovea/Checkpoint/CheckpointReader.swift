import Foundation

/// Reads checkpoints and validates every field before returning one: the container (magic,
/// version, lengths, CRC-32s), then each section against the rules of `CheckpointFormat`, the
/// parameter tensors against the model spec, and the trainer's position against the data
/// settings. Anything it cannot fully validate is refused with a one-line `CheckpointError`.
public enum CheckpointReader {
    /// Reads and validates the checkpoint at `path`. A file that does not start with the magic
    /// bytes is refused after reading only its first 8 bytes.
    public static func read(_ path: String) throws(CheckpointError) -> Checkpoint {
        let bytes: [UInt8]
        do {
            let start = try readFileStart(path, count: CheckpointFormat.magic.count)
            if !start.starts(with: CheckpointFormat.magic) {
                _ = try CheckpointContainer(parsing: start, file: path)  // throws: empty, or not a checkpoint
            }
            bytes = try readWholeFile(path)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.unreadable(file: path, reason: "\(error)")
        }
        return try decode(bytes, file: path)
    }

    /// The first `count` bytes of a regular file (fewer if it is shorter).
    private static func readFileStart(_ path: String, count: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFailure(code: errno) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + done, count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw POSIXFailure(code: errno) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }

    /// Validates and decodes a checkpoint's bytes; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(CheckpointError) -> Checkpoint {
        let container = try CheckpointContainer(parsing: bytes, file: file)
        var sections: [CheckpointFormat.SectionTag: CheckpointSection] = [:]
        for section in container.sections {
            // Sections of unknown tags have passed their CRC check; version 1 skips them.
            guard let tag = CheckpointFormat.SectionTag(rawValue: section.tag) else { continue }
            guard sections[tag] == nil else {
                throw CheckpointError.invalidField(file: file, offset: CheckpointFormat.headerSize, section: "section table", field: "tag",
                                                   message: "section '\(tag.name)' appears twice")
            }
            sections[tag] = section
        }
        func decoder(_ tag: CheckpointFormat.SectionTag) throws(CheckpointError) -> SectionDecoder {
            guard let section = sections[tag] else { throw CheckpointError.missingSection(file: file, section: tag.name) }
            return SectionDecoder(section, file: file, name: tag.name)
        }
        let version = container.formatVersion
        // A section a version does not define is refused in a file of that version.
        for (tag, firstVersion) in [(CheckpointFormat.SectionTag.augmentation, 2), (.layerState, 3), (.clipping, 4), (.earlyStopping, 5),
                                    (.task, 6)] {
            if let section = sections[tag], version < firstVersion {
                throw CheckpointError.invalidField(file: file, offset: section.fileOffset, section: tag.name, field: "tag",
                                                   message: "section '\(tag.rawValue)' exists from format version \(firstVersion) on, but the file says version \(version)")
            }
        }
        var meta = try decoder(.meta)
        // The task section is read with META: the network is built for its target.
        var settings = try readMeta(&meta, version: version, task: sections[.task].map { SectionDecoder($0, file: file, name: CheckpointFormat.SectionTag.task.name) })
        if sections[.augmentation] != nil {  // absent: the run trained without augmentation
            var augmentationSection = try decoder(.augmentation)
            settings.augmentation = try readAugmentation(&augmentationSection)
        }
        if sections[.clipping] != nil {  // absent: the run trained without clipping
            var clippingSection = try decoder(.clipping)
            settings.gradientClipping = try readClipping(&clippingSection)
        }
        var parametersSection = try decoder(.parameters)
        let network = settings.network
        let parameters = try readTensors(&parametersSection, network.parameterTensors.map { ($0.name, $0.shape.shape, $0.range.count) },
                                         section: "params", network: network)
        var layerState: [Float] = []
        if network.stateCount > 0 || sections[.layerState] != nil {
            var stateSection = try decoder(.layerState)
            layerState = try readTensors(&stateSection, network.stateTensors.map { ($0.name, $0.shape.shape, $0.range.count) },
                                         section: "state", network: network)
        }
        var optimizerSection = try decoder(.optimizer)
        let optimizer = if let sgd = settings.legacySGD {
            try readLegacyOptimizer(&optimizerSection, network: settings.network, sgd: sgd)
        } else {
            try readOptimizer(&optimizerSection, network: settings.network)
        }
        var trainerSection = try decoder(.trainer)
        var trainer = try readTrainer(&trainerSection, settings: settings, optimizerStep: optimizer.step, version: version)
        var earlyStopping: EarlyStopping?
        if sections[.earlyStopping] != nil {  // absent: the run does not stop early
            var earlyStoppingSection = try decoder(.earlyStopping)
            let record = try readEarlyStopping(&earlyStoppingSection, settings: settings, state: trainer.state, history: trainer.history)
            earlyStopping = record.earlyStopping
            trainer.history.stoppedEarly = record.stopped
        }
        let options = TrainingOptions(epochs: settings.epochs, batchSize: settings.batchSize, optimizer: optimizer.optimizer,
                                      schedule: settings.schedule, seed: settings.seed, augmentation: settings.augmentation,
                                      gradientClipping: settings.gradientClipping, corruption: settings.corruption)
        return Checkpoint(path: file, formatVersion: version, writerVersion: container.writerVersion,
                          network: settings.network, normalization: settings.normalization, options: options,
                          data: settings.data, parameters: parameters, layerState: layerState, optimizerStep: optimizer.step,
                          optimizerTensors: optimizer.tensors,
                          state: trainer.state, stepsPerEpoch: trainer.stepsPerEpoch, history: trainer.history,
                          earlyStopping: earlyStopping)
    }

    /// The contents of the meta section (and the task, augmentation and clipping sections', if
    /// any).
    private struct Settings {
        let network: Network
        let normalization: Normalization
        let epochs: Int
        let batchSize: Int
        let schedule: LearningRateSchedule
        let seed: UInt64
        var augmentation = AugmentationConfiguration.none
        var gradientClipping: GradientClipping?
        /// From `TASK` (absent: none).
        var corruption = InputCorruption.none
        let data: TrainingDataRecord
        /// Versions 1 and 2: SGD's hyper-parameters, which they keep in `META`.
        let legacySGD: SGD?
    }

    /// A version-3 optimizer section, or a version-1/2 one read as SGD.
    private typealias OptimizerRecord = (optimizer: any Optimizer, step: Int, tensors: [[Float]])

    /// `META`, and `task` (the `TASK` section, if the file has one) once the loss and the input
    /// shape it is checked against are known: the network is built for its target.
    private static func readMeta(_ d: inout SectionDecoder, version: Int, task: SectionDecoder?) throws(CheckpointError) -> Settings {
        let specOffset = d.fileOffset
        let specText = try d.string("model_spec")
        let channels = try d.count("input_channels", minimum: 1)
        let height = try d.count("input_height", minimum: 1)
        let width = try d.count("input_width", minimum: 1)
        let classesOffset = d.fileOffset
        let classes = try d.count("classes", minimum: 2)
        try d.check(classes <= 256, "classes", at: classesOffset, "must be at most 256, found \(classes)")
        var loss: any Loss.Type = SoftmaxCrossEntropy.self  // versions 1 and 2 know no other
        if version >= 3 {
            let lossOffset = d.fileOffset
            let name = try d.string("loss")
            guard let kind = LossRegistry.kind(named: name) else {
                throw d.invalid("loss", at: lossOffset, "unknown loss '\(name)' (this build knows \(LossRegistry.names))")
            }
            loss = kind
        }
        var target = loss.defaultTarget, corruption = InputCorruption.none
        if var task {  // absent: the loss's default target, no corruption
            (target, corruption) = try readTask(&task, loss: loss, height: height, width: width)
        }
        let network: Network
        do {
            network = try Network(spec: try ModelSpec(specText), inputShape: FeatureShape(channels: channels, height: height, width: width),
                                  classes: classes, loss: loss, target: target)
        } catch {
            throw CheckpointError.invalidSpec(file: d.file, offset: specOffset, error: error)
        }
        let meanOffset = d.fileOffset
        let mean = try d.f32("normalization_mean")
        try d.check(mean.isFinite, "normalization_mean", at: meanOffset, "must be finite, found \(mean)")
        let stdOffset = d.fileOffset
        let std = try d.f32("normalization_std")
        try d.check(std.isFinite && std > 0, "normalization_std", at: stdOffset, "must be a finite number > 0, found \(std)")
        let epochs = try d.count("epochs", minimum: 1)
        let batchSize = try d.count("batch_size", minimum: 1)
        var legacySGD: SGD?
        if version < 3 {
            // The four fields of versions 1 and 2, frozen (version 3 keeps the optimizer in OPTM).
            let learningRate = try d.f64("learning_rate", must: "a finite number > 0") { $0 > 0 && $0.isFinite }
            let momentum = try d.f64("momentum", must: "in [0, 1)") { $0 >= 0 && $0 < 1 }
            let nesterov = try d.bool("nesterov")
            let weightDecay = try d.f64("weight_decay", must: "a finite number ≥ 0") { $0 >= 0 && $0.isFinite }
            legacySGD = SGD(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        }
        let scheduleOffset = d.fileOffset
        let scheduleCode = try d.u8("schedule")
        let kind = LearningRateSchedule.Kind.allCases.first { CheckpointWriter.code($0) == scheduleCode }
        guard let kind else {
            throw d.invalid("schedule", at: scheduleOffset, "unknown schedule code \(scheduleCode) (0 constant, 1 step, 2 cosine, 3 onecycle)")
        }
        let stepEpochs = try d.count("lr_step_epochs", minimum: 1)
        let gamma = try d.f64("lr_gamma", must: "in (0, 1]") { $0 > 0 && $0 <= 1 }
        let warmup = try d.f64("warmup_epochs", must: "a finite number ≥ 0") { $0 >= 0 && $0.isFinite }
        let seed = try d.bits64("seed")
        let directory = try d.string("data_directory")
        let limit = try d.u64("limit")
        let validation = try d.u64("validation")
        let trainOffset = d.fileOffset
        let train = try fingerprint(&d, "train")
        try d.check(train.count >= 1, "train_samples", at: trainOffset, "must be at least 1, found 0")
        let validationOffset = d.fileOffset
        let validationSet = try fingerprint(&d, "validation")
        try d.check(validationSet.count == validation, "validation_samples", at: validationOffset,
                    "\(validationSet.count), but the validation field says \(validation)")
        let test = try fingerprint(&d, "test")
        try d.finish()
        let data = TrainingDataRecord(directory: directory, limit: limit == 0 ? nil : limit, validation: validation, train: train,
                                      validationSet: validationSet, test: test)
        return Settings(network: network, normalization: Normalization(mean: mean, std: std), epochs: epochs, batchSize: batchSize,
                        schedule: LearningRateSchedule(kind: kind, stepEpochs: stepEpochs, gamma: gamma, warmupEpochs: warmup), seed: seed,
                        corruption: corruption, data: data, legacySGD: legacySGD)
    }

    /// The task section: `target u8` (0 labels, 1 input; one of `loss`'s targets),
    /// `input_noise f64` (finite, 0…1), `occlusion u32` (0 … `InputCorruption.maximumOcclusion`,
    /// smaller than the input's `height` and `width`); a noise or an occlusion only with the
    /// target input (the clean image a denoising run rebuilds).
    private static func readTask(_ d: inout SectionDecoder, loss: any Loss.Type, height: Int, width: Int)
        throws(CheckpointError) -> (target: TrainingTarget, corruption: InputCorruption) {
        func named(_ target: TrainingTarget) -> String { "\(CheckpointWriter.code(target)) (\(target.option))" }
        let targetOffset = d.fileOffset
        let code = try d.u8("target")
        guard let target = TrainingTarget.allCases.first(where: { CheckpointWriter.code($0) == code }) else {
            throw d.invalid("target", at: targetOffset,
                            "unknown target code \(code) (\(TrainingTarget.allCases.map { "\(CheckpointWriter.code($0)) \($0.option)" }.joined(separator: ", ")))")
        }
        let accepted = loss.targets.count == 1 ? "only target \(named(loss.defaultTarget))" : "target " + loss.targets.map(named).joined(separator: " or ")
        try d.check(loss.targets.contains(target), "target", at: targetOffset, "\(named(target)), but the loss \(loss.name) takes \(accepted)")
        let noiseOffset = d.fileOffset
        let noise = try d.f64("input_noise", must: "a finite number in 0…1 (a fraction of full scale)") { $0.isFinite && (0 ... 1).contains($0) }
        let occlusionOffset = d.fileOffset
        let occlusion = Int(try d.u32("occlusion"))
        try d.check(occlusion <= InputCorruption.maximumOcclusion, "occlusion", at: occlusionOffset,
                    "must be a patch side of 0 to \(InputCorruption.maximumOcclusion) pixels, found \(occlusion)")
        try d.check(occlusion < min(height, width), "occlusion", at: occlusionOffset,
                    "\(occlusion), but the patch must be smaller than the \(height)×\(width) input of META (at most \(min(height, width) - 1))")
        let corrupts = noise != 0 || occlusion != 0
        try d.check(!corrupts || target == .input, noise != 0 ? "input_noise" : "occlusion", at: noise != 0 ? noiseOffset : occlusionOffset,
                    "\(noise != 0 ? "\(noise)" : "\(occlusion)"), but the target is \(named(target)): only a run whose target is \(named(.input)), the clean image, corrupts its input")
        try d.finish()
        let corruption: InputCorruption
        do {
            corruption = try InputCorruption(noise: noise, occlusion: occlusion)
        } catch {
            // Not reached: both values are checked above.
            let (field, offset) = switch error {
            case .noise: ("input_noise", noiseOffset)
            case .occlusion: ("occlusion", occlusionOffset)
            }
            throw d.invalid(field, at: offset, "\(error)")
        }
        return (target, corruption)
    }

    /// The augmentation section: one `f64` per parameter, checked by `AugmentationConfiguration`.
    private static func readAugmentation(_ d: inout SectionDecoder) throws(CheckpointError) -> AugmentationConfiguration {
        var values: [Double] = [], offsets: [Int] = []
        for parameter in AugmentationConfiguration.Parameter.allCases {
            offsets.append(d.fileOffset)
            values.append(try d.f64(parameter.fieldName))
        }
        try d.finish()
        do {
            return try AugmentationConfiguration(translation: values[0], rotation: values[1], scale: values[2], shear: values[3],
                                                 elasticAlpha: values[4], elasticSigma: values[5], noise: values[6])
        } catch {
            let index = AugmentationConfiguration.Parameter.allCases.firstIndex(of: error.parameter) ?? 0
            throw d.invalid(error.parameter.fieldName, at: offsets[index], "must be \(error.requirement), found \(error.value)")
        }
    }

    /// The clipping section: `max_norm f64`, finite and > 0.
    private static func readClipping(_ d: inout SectionDecoder) throws(CheckpointError) -> GradientClipping {
        let offset = d.fileOffset
        let maxNorm = try d.f64("max_norm", must: GradientClipping.requirement) { GradientClipping.accepts($0) }
        try d.finish()
        guard let clipping = GradientClipping(maxNorm: maxNorm) else {
            throw d.invalid("max_norm", at: offset, "must be \(GradientClipping.requirement), found \(maxNorm)")
        }
        return clipping
    }

    /// The early-stopping section: `patience u32` (1 … `EarlyStopping.maximumPatience`),
    /// `metric u8` (the run's `SelectionMetric`), `epochs_without_improvement u32` (= epoch −
    /// best.epoch of `TRNR`), `stopped u8` (0 or 1; 1 only at an epoch's end with at least
    /// `patience` epochs without improvement).
    private static func readEarlyStopping(_ d: inout SectionDecoder, settings: Settings, state: TrainingState, history: RunHistory)
        throws(CheckpointError) -> (earlyStopping: EarlyStopping, stopped: Bool) {
        let patienceOffset = d.fileOffset
        let patience = Int(try d.u32("patience"))
        guard let earlyStopping = EarlyStopping(patience: patience) else {
            throw d.invalid("patience", at: patienceOffset, "must be \(EarlyStopping.requirement), found \(patience)")
        }
        let metricOffset = d.fileOffset
        let code = try d.u8("metric")
        let codes = SelectionMetric.allCases.map { "\($0.rawValue) \($0.title)" }.joined(separator: ", ")
        guard let metric = SelectionMetric(rawValue: code) else {
            throw d.invalid("metric", at: metricOffset, "unknown metric code \(code) (\(codes))")
        }
        let expected = SelectionMetric(hasValidation: settings.data.validation > 0, classifies: settings.network.loss.classifies)
        try d.check(metric == expected, "metric", at: metricOffset,
                    "\(code) (\(metric.title)), but a run with \(settings.data.validation) validation samples and the loss \(settings.network.loss.name) is judged by \(expected.rawValue) (\(expected.title))")
        let countOffset = d.fileOffset
        let count = Int(try d.u32("epochs_without_improvement"))
        let since = EarlyStopping.epochsWithoutImprovement(history, epoch: state.epoch)
        try d.check(count == since, "epochs_without_improvement", at: countOffset,
                    "\(count), but epoch \(state.epoch) and the best epoch \(history.best?.epoch ?? 0) make \(since)")
        let stoppedOffset = d.fileOffset
        let stopped = try d.bool("stopped")
        if stopped {
            try d.check(state.stepInEpoch == 0, "stopped", at: stoppedOffset,
                        "the run is marked as stopped early, but stands at step \(state.stepInEpoch) of epoch \(state.epoch + 1)")
            try d.check(count >= patience, "stopped", at: stoppedOffset,
                        "the run is marked as stopped early after \(count) epochs without improvement, fewer than its patience of \(patience)")
        }
        try d.finish()
        return (earlyStopping, stopped)
    }

    /// `NAME_samples u64, NAME_sha256`.
    private static func fingerprint(_ d: inout SectionDecoder, _ name: String) throws(CheckpointError) -> DataFingerprint {
        let count = try d.u64("\(name)_samples")
        return DataFingerprint(count: count, sha256: try d.raw("\(name)_sha256", count: 32))
    }

    /// `PARM` (`section` "params") or `STAT` ("state"): `tensor_count u32`, then per tensor
    /// `name str, rank u32, dims u32 × rank, values f32 × Π dims`, exactly the model spec's
    /// tensors, all finite.
    private static func readTensors(_ d: inout SectionDecoder, _ tensors: [(name: String, shape: [Int], count: Int)], section: String,
                                    network: Network) throws(CheckpointError) -> [Float] {
        let countOffset = d.fileOffset
        let count = Int(try d.u32("tensor_count"))
        try d.check(count == tensors.count, "tensor_count", at: countOffset,
                    "\(count) tensors, but the model spec '\(network.spec)' has \(tensors.count)")
        // No capacity is reserved from the spec's sizes: a crafted spec may declare more values
        // than the file holds. Each tensor's values are allocated only once the section is
        // known to hold them (`SectionDecoder.floats`).
        var parameters: [Float] = []
        for (position, tensor) in tensors.enumerated() {
            let nameOffset = d.fileOffset
            let name = try d.string("name")
            try d.check(name == tensor.name, "name", at: nameOffset,
                        "'\(name)', but tensor \(position + 1) of the model spec is '\(tensor.name)'")
            let rankOffset = d.fileOffset
            let rank = Int(try d.u32("rank of '\(name)'"))
            try d.check((1 ... 8).contains(rank), "rank of '\(name)'", at: rankOffset, "must be 1 to 8, found \(rank)")
            var shape: [Int] = []
            for _ in 0 ..< rank { shape.append(Int(try d.u32("dims of '\(name)'"))) }
            guard shape == tensor.shape else {
                throw CheckpointError.shapeMismatch(file: d.file, offset: rankOffset, tensor: name, found: shape, expected: tensor.shape)
            }
            let (values, offset) = try d.floats("values of '\(name)'", count: tensor.count)
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError.nonFinite(file: d.file, offset: offset + 4 * i, section: section, tensor: name, index: i, value: values[i])
            }
            parameters += values
        }
        try d.finish()
        return parameters
    }

    /// Versions 1 and 2: `optimizer u8 (1), step u64, velocity_count u64, velocity f32 × count`.
    private static func readLegacyOptimizer(_ d: inout SectionDecoder, network: Network, sgd: SGD) throws(CheckpointError) -> OptimizerRecord {
        let kindOffset = d.fileOffset
        let kind = try d.u8("optimizer")
        try d.check(kind == 1, "optimizer", at: kindOffset, "unknown optimizer code \(kind) (1: SGD with momentum)")
        let step = try d.u64("step")
        let countOffset = d.fileOffset
        let count = try d.u64("velocity_count")
        try d.check(count == network.parameterCount, "velocity_count", at: countOffset,
                    "\(count), but the model has \(network.parameterCount) parameters")
        let velocity = try finiteState(&d, "velocity", count: count, network: network, label: "momentum")
        try d.finish()
        return (sgd, step, [velocity])
    }

    /// Version 3: `optimizer str`, `hyper_parameter_count u32`, that many `key str, value f64`
    /// (exactly the kind's, in its order), `step u64`, `state_count u32`, that many
    /// `name str, count u64, values f32 × count` (the kind's state names in order, one value per
    /// parameter).
    private static func readOptimizer(_ d: inout SectionDecoder, network: Network) throws(CheckpointError) -> OptimizerRecord {
        let nameOffset = d.fileOffset
        let name = try d.string("optimizer")
        guard let kind = OptimizerRegistry.kind(named: name) else {
            throw d.invalid("optimizer", at: nameOffset, "unknown optimizer '\(name)' (this build knows \(OptimizerRegistry.names))")
        }
        let countOffset = d.fileOffset
        let count = Int(try d.u32("hyper_parameter_count"))
        try d.check(count == kind.hyperParameters.count, "hyper_parameter_count", at: countOffset,
                    "\(count), but \(name) has \(kind.hyperParameters.count) hyper-parameters")
        var values: [Double] = []
        for parameter in kind.hyperParameters {
            let keyOffset = d.fileOffset
            let key = try d.string("hyper-parameter key")
            try d.check(key == parameter.key, "hyper-parameter key", at: keyOffset,
                        "'\(key)', but \(name)'s hyper-parameter \(values.count + 1) is '\(parameter.key)'")
            values.append(try d.f64(key, must: parameter.requirement) { parameter.accepts($0) })
        }
        let step = try d.u64("step")
        let stateOffset = d.fileOffset
        let stateCount = Int(try d.u32("state_count"))
        try d.check(stateCount == kind.stateNames.count, "state_count", at: stateOffset,
                    "\(stateCount), but \(name) keeps \(kind.stateNames.count) state tensors (\(kind.stateNames.joined(separator: ", ")))")
        var tensors: [[Float]] = []
        for stateName in kind.stateNames {
            let tensorOffset = d.fileOffset
            let found = try d.string("state name")
            try d.check(found == stateName, "state name", at: tensorOffset,
                        "'\(found)', but \(name)'s state tensor \(tensors.count + 1) is '\(stateName)'")
            let lengthOffset = d.fileOffset
            let length = try d.u64("count of '\(stateName)'")
            try d.check(length == network.parameterCount, "count of '\(stateName)'", at: lengthOffset,
                        "\(length), but the model has \(network.parameterCount) parameters")
            tensors.append(try finiteState(&d, stateName, count: length, network: network, label: stateName))
        }
        try d.finish()
        return (kind.init(values: values), step, tensors)
    }

    /// `count` finite floats of an optimizer state tensor in parameter order; a NaN or infinity is
    /// reported as element `i` of the parameter tensor it belongs to, e.g.
    /// `'layer1.conv.weight momentum'`.
    private static func finiteState(_ d: inout SectionDecoder, _ field: String, count: Int, network: Network, label: String)
        throws(CheckpointError) -> [Float] {
        let (values, offset) = try d.floats(field, count: count)
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            let tensor = network.parameterTensors.first { $0.range.contains(i) }
            throw CheckpointError.nonFinite(file: d.file, offset: offset + 4 * i, section: "optimizer",
                                            tensor: "\(tensor?.name ?? "parameters") \(label)", index: i - (tensor?.range.lowerBound ?? 0),
                                            value: values[i])
        }
        return values
    }

    private static func readTrainer(_ d: inout SectionDecoder, settings: Settings, optimizerStep: Int, version: Int)
        throws(CheckpointError) -> (state: TrainingState, stepsPerEpoch: Int, history: RunHistory) {
        let samples = settings.data.train.count
        let epochOffset = d.fileOffset
        let epoch = try d.count("epoch", minimum: 0)
        try d.check(epoch <= settings.epochs, "epoch", at: epochOffset, "\(epoch) is past the run's \(settings.epochs) epochs")
        let stepOffset = d.fileOffset
        let stepInEpoch = try d.count("step_in_epoch", minimum: 0)
        let stepsOffset = d.fileOffset
        let stepsPerEpoch = try d.count("steps_per_epoch", minimum: 1)
        let expectedSteps = samples / settings.batchSize + (samples % settings.batchSize == 0 ? 0 : 1)
        try d.check(stepsPerEpoch == expectedSteps, "steps_per_epoch", at: stepsOffset,
                    "\(stepsPerEpoch), but \(samples) training samples in batches of \(settings.batchSize) make \(expectedSteps)")
        let (totalSteps, overflow) = settings.epochs.multipliedReportingOverflow(by: stepsPerEpoch)
        try d.check(!overflow, "steps_per_epoch", at: stepsOffset, "\(settings.epochs) epochs of \(stepsPerEpoch) steps are too many to count")
        try d.check(stepInEpoch < stepsPerEpoch && (epoch < settings.epochs || stepInEpoch == 0), "step_in_epoch", at: stepOffset,
                    "\(stepInEpoch) is outside epoch \(epoch + 1) of \(settings.epochs), which has \(stepsPerEpoch) steps")
        let globalOffset = d.fileOffset
        let globalStep = try d.u64("global_step")
        // No overflow: epoch ≤ epochs, and epochs × stepsPerEpoch fits.
        let expectedGlobal = epoch * stepsPerEpoch + stepInEpoch
        try d.check(globalStep == expectedGlobal && globalStep <= totalSteps, "global_step", at: globalOffset,
                    "\(globalStep), but epoch \(epoch) and step \(stepInEpoch) of \(stepsPerEpoch) make \(expectedGlobal)")
        try d.check(optimizerStep == globalStep, "global_step", at: globalOffset,
                    "\(globalStep), but the optimizer has applied \(optimizerStep) updates")
        let loss = try d.f64("epoch_loss_sum", must: "a finite number ≥ 0") { $0 >= 0 && $0.isFinite }
        let correctOffset = d.fileOffset
        let correct = try d.u64("epoch_correct")
        let done = min(stepInEpoch * settings.batchSize, samples)
        try d.check(correct <= done, "epoch_correct", at: correctOffset, "\(correct) correct of \(done) samples trained")
        // Version 6 keeps the epoch's summed squared error (the training MSE of a loss that does
        // not classify); an older file of such a run, saved mid-epoch, did not: that epoch's
        // training MSE is then not known (NaN), while its loss and everything else resume exactly.
        let squaredError: Double
        if version >= 6 {
            squaredError = try d.f64("epoch_squared_error_sum", must: "a finite number ≥ 0") { $0 >= 0 && $0.isFinite }
        } else {
            squaredError = settings.network.loss.classifies || stepInEpoch == 0 ? 0 : .nan
        }
        let last = try evaluation(&d, "last_evaluation", epochs: epoch)
        let best = try evaluation(&d, "best", epochs: epoch)
        try d.finish()
        let state = TrainingState(epoch: epoch, stepInEpoch: stepInEpoch, globalStep: globalStep,
                                  epochTotals: LossTotals(loss: loss, correct: correct, squaredError: squaredError))
        return (state, stepsPerEpoch, RunHistory(last: last, best: best))
    }

    /// An evaluation record: `epoch u32` (0: none) and four `f64` figures (NaN: not measured).
    private static func evaluation(_ d: inout SectionDecoder, _ name: String, epochs: Int) throws(CheckpointError) -> EpochEvaluation? {
        let epochOffset = d.fileOffset
        let epoch = try d.count("\(name).epoch", minimum: 0)
        try d.check(epoch <= epochs, "\(name).epoch", at: epochOffset, "\(epoch), but only \(epochs) epochs are done")
        var figures: [Double?] = []
        for (field, isAccuracy) in [("test_loss", false), ("test_accuracy", true), ("validation_loss", false), ("validation_accuracy", true)] {
            let value = try d.f64("\(name).\(field)", must: isAccuracy ? "NaN or in [0, 1]" : "NaN or ≥ 0") {
                $0.isNaN || (isAccuracy ? (0 ... 1).contains($0) : $0 >= 0)
            }
            figures.append(value.isNaN ? nil : value)
        }
        guard epoch > 0 else { return nil }
        return EpochEvaluation(epoch: epoch, testLoss: figures[0], testAccuracy: figures[1], validationLoss: figures[2],
                               validationAccuracy: figures[3])
    }
}

extension AugmentationConfiguration.Parameter {
    /// The parameter's field name in the `AUGM` section.
    fileprivate var fieldName: String {
        switch self {
        case .translation: "translation"
        case .rotation: "rotation"
        case .scale: "scale"
        case .shear: "shear"
        case .elasticAlpha: "elastic_alpha"
        case .elasticSigma: "elastic_sigma"
        case .noise: "noise"
        }
    }
}
