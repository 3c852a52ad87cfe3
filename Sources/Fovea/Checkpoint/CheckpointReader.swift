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
        var meta = try decoder(.meta)
        var settings = try readMeta(&meta)
        if sections[.augmentation] != nil {  // absent: the run trained without augmentation
            var augmentationSection = try decoder(.augmentation)
            settings.options.augmentation = try readAugmentation(&augmentationSection)
        }
        var parametersSection = try decoder(.parameters)
        let parameters = try readParameters(&parametersSection, network: settings.network)
        var optimizerSection = try decoder(.optimizer)
        let optimizer = try readOptimizer(&optimizerSection, network: settings.network)
        var trainerSection = try decoder(.trainer)
        let trainer = try readTrainer(&trainerSection, settings: settings, optimizerStep: optimizer.step)
        return Checkpoint(path: file, formatVersion: container.formatVersion, writerVersion: container.writerVersion,
                          network: settings.network, normalization: settings.normalization, options: settings.options,
                          data: settings.data, parameters: parameters, optimizerStep: optimizer.step, velocity: optimizer.velocity,
                          state: trainer.state, stepsPerEpoch: trainer.stepsPerEpoch, history: trainer.history)
    }

    /// The contents of the meta section.
    private struct Settings {
        let network: Network
        let normalization: Normalization
        var options: TrainingOptions
        let data: TrainingDataRecord
    }

    private static func readMeta(_ d: inout SectionDecoder) throws(CheckpointError) -> Settings {
        let specOffset = d.fileOffset
        let specText = try d.string("model_spec")
        let channels = try d.count("input_channels", minimum: 1)
        let height = try d.count("input_height", minimum: 1)
        let width = try d.count("input_width", minimum: 1)
        let classesOffset = d.fileOffset
        let classes = try d.count("classes", minimum: 2)
        try d.check(classes <= 256, "classes", at: classesOffset, "must be at most 256, found \(classes)")
        let network: Network
        do {
            network = try Network(spec: try ModelSpec(specText), inputShape: FeatureShape(channels: channels, height: height, width: width),
                                  classes: classes)
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
        let learningRate = try d.f64("learning_rate", must: "a finite number > 0") { $0 > 0 && $0.isFinite }
        let momentum = try d.f64("momentum", must: "in [0, 1)") { $0 >= 0 && $0 < 1 }
        let nesterov = try d.bool("nesterov")
        let weightDecay = try d.f64("weight_decay", must: "a finite number ≥ 0") { $0 >= 0 && $0.isFinite }
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
        let options = TrainingOptions(
            epochs: epochs, batchSize: batchSize,
            optimizer: SGDConfiguration(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay),
            schedule: LearningRateSchedule(kind: kind, stepEpochs: stepEpochs, gamma: gamma, warmupEpochs: warmup), seed: seed)
        let data = TrainingDataRecord(directory: directory, limit: limit == 0 ? nil : limit, validation: validation, train: train,
                                      validationSet: validationSet, test: test)
        return Settings(network: network, normalization: Normalization(mean: mean, std: std), options: options, data: data)
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

    /// `NAME_samples u64, NAME_sha256`.
    private static func fingerprint(_ d: inout SectionDecoder, _ name: String) throws(CheckpointError) -> DataFingerprint {
        let count = try d.u64("\(name)_samples")
        return DataFingerprint(count: count, sha256: try d.raw("\(name)_sha256", count: 32))
    }

    private static func readParameters(_ d: inout SectionDecoder, network: Network) throws(CheckpointError) -> [Float] {
        let tensors = network.parameterTensors
        let countOffset = d.fileOffset
        let count = Int(try d.u32("tensor_count"))
        try d.check(count == tensors.count, "tensor_count", at: countOffset,
                    "\(count) tensors, but the model spec '\(network.spec)' has \(tensors.count)")
        var parameters: [Float] = []
        parameters.reserveCapacity(network.parameterCount)
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
            guard shape == tensor.shape.shape else {
                throw CheckpointError.shapeMismatch(file: d.file, offset: rankOffset, tensor: name, found: shape, expected: tensor.shape.shape)
            }
            let (values, offset) = try d.floats("values of '\(name)'", count: tensor.range.count)
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError.nonFinite(file: d.file, offset: offset + 4 * i, section: "params", tensor: name, index: i, value: values[i])
            }
            parameters += values
        }
        try d.finish()
        return parameters
    }

    private static func readOptimizer(_ d: inout SectionDecoder, network: Network) throws(CheckpointError) -> (step: Int, velocity: [Float]) {
        let kindOffset = d.fileOffset
        let kind = try d.u8("optimizer")
        try d.check(kind == 1, "optimizer", at: kindOffset, "unknown optimizer code \(kind) (1: SGD with momentum)")
        let step = try d.u64("step")
        let countOffset = d.fileOffset
        let count = try d.u64("velocity_count")
        try d.check(count == network.parameterCount, "velocity_count", at: countOffset,
                    "\(count), but the model has \(network.parameterCount) parameters")
        let (velocity, offset) = try d.floats("velocity", count: count)
        if let i = velocity.firstIndex(where: { !$0.isFinite }) {
            let tensor = network.parameterTensors.first { $0.range.contains(i) }
            throw CheckpointError.nonFinite(file: d.file, offset: offset + 4 * i, section: "optimizer",
                                            tensor: "\(tensor?.name ?? "velocity") momentum", index: i - (tensor?.range.lowerBound ?? 0),
                                            value: velocity[i])
        }
        try d.finish()
        return (step, velocity)
    }

    private static func readTrainer(_ d: inout SectionDecoder, settings: Settings, optimizerStep: Int)
        throws(CheckpointError) -> (state: TrainingState, stepsPerEpoch: Int, history: RunHistory) {
        let options = settings.options
        let samples = settings.data.train.count
        let epochOffset = d.fileOffset
        let epoch = try d.count("epoch", minimum: 0)
        try d.check(epoch <= options.epochs, "epoch", at: epochOffset, "\(epoch) is past the run's \(options.epochs) epochs")
        let stepOffset = d.fileOffset
        let stepInEpoch = try d.count("step_in_epoch", minimum: 0)
        let stepsOffset = d.fileOffset
        let stepsPerEpoch = try d.count("steps_per_epoch", minimum: 1)
        let expectedSteps = samples / options.batchSize + (samples % options.batchSize == 0 ? 0 : 1)
        try d.check(stepsPerEpoch == expectedSteps, "steps_per_epoch", at: stepsOffset,
                    "\(stepsPerEpoch), but \(samples) training samples in batches of \(options.batchSize) make \(expectedSteps)")
        let (totalSteps, overflow) = options.epochs.multipliedReportingOverflow(by: stepsPerEpoch)
        try d.check(!overflow, "steps_per_epoch", at: stepsOffset, "\(options.epochs) epochs of \(stepsPerEpoch) steps are too many to count")
        try d.check(stepInEpoch < stepsPerEpoch && (epoch < options.epochs || stepInEpoch == 0), "step_in_epoch", at: stepOffset,
                    "\(stepInEpoch) is outside epoch \(epoch + 1) of \(options.epochs), which has \(stepsPerEpoch) steps")
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
        let done = min(stepInEpoch * options.batchSize, samples)
        try d.check(correct <= done, "epoch_correct", at: correctOffset, "\(correct) correct of \(done) samples trained")
        let last = try evaluation(&d, "last_evaluation", epochs: epoch)
        let best = try evaluation(&d, "best", epochs: epoch)
        try d.finish()
        let state = TrainingState(epoch: epoch, stepInEpoch: stepInEpoch, globalStep: globalStep,
                                  epochTotals: SoftmaxCrossEntropy.Totals(loss: loss, correct: correct))
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
