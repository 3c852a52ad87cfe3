/// Encodes checkpoints in the format of `CheckpointFormat` and writes them atomically.
public enum CheckpointWriter {
    /// Writes `checkpoint` to `path` atomically (`AtomicFile`): the file at `path` is either left
    /// as it was or replaced by the whole new checkpoint. A checkpoint with a NaN or infinite
    /// weight or optimizer state is refused, so that a diverged run never replaces a good file.
    public static func write(_ checkpoint: Checkpoint, to path: String) throws(CheckpointError) {
        try AtomicFile.write(try encode(checkpoint, file: path), to: path)
    }

    /// The file's bytes. `file` names the destination in errors.
    public static func encode(_ checkpoint: Checkpoint, file: String = "checkpoint") throws(CheckpointError) -> [UInt8] {
        if let mismatch = checkpoint.countMismatch ?? checkpoint.earlyStopMismatch ?? checkpoint.taskMismatch {
            throw CheckpointError.mismatch(file: file, message: "not saved: \(mismatch) (a bug in the program that built this checkpoint)")
        }
        let tensors = checkpoint.network.parameterTensors
        let stateTensors = checkpoint.network.stateTensors
        let version = CheckpointFormat.version(for: checkpoint)
        // Every value saved must be finite: the parameters, the optimizer's state (each element
        // named by the parameter tensor it belongs to) and the layers' state.
        let parameterNames = tensors.map { (name: $0.name, range: $0.range) }
        let checked = [(checkpoint.parameters, parameterNames, "")]
            + checkpoint.namedOptimizerTensors.map { ($0.values, parameterNames, " " + (version < 3 ? "momentum" : $0.name)) }
            + [(checkpoint.layerState, stateTensors.map { (name: $0.name, range: $0.range) }, "")]
        for (values, names, suffix) in checked {
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                let tensor = names.first { $0.range.contains(index) }
                throw CheckpointError.notSavedNonFinite(file: file, tensor: (tensor?.name ?? "values") + suffix,
                                                        index: index - (tensor?.range.lowerBound ?? 0), value: values[index])
            }
        }
        var sections = [
            CheckpointSection(tag: CheckpointFormat.SectionTag.meta.rawValue, payload: meta(checkpoint, version: version)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.parameters.rawValue,
                              payload: Self.tensors(tensors.map { ($0.name, $0.shape.shape, $0.range) }, values: checkpoint.parameters)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.optimizer.rawValue,
                              payload: version < 3 ? legacyOptimizer(checkpoint) : optimizer(checkpoint)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.trainer.rawValue, payload: trainer(checkpoint, version: version)),
        ]
        if !checkpoint.options.augmentation.isIdentity {
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.augmentation.rawValue, payload: augmentation(checkpoint)))
        }
        if !stateTensors.isEmpty {
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.layerState.rawValue,
                                              payload: Self.tensors(stateTensors.map { ($0.name, $0.shape.shape, $0.range) },
                                                                    values: checkpoint.layerState)))
        }
        if let clipping = checkpoint.options.gradientClipping {
            var e = ByteEncoder()
            e.f64(clipping.maxNorm)
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.clipping.rawValue, payload: e.bytes))
        }
        if let earlyStopping = checkpoint.earlyStopping {
            var e = ByteEncoder()
            e.u32(earlyStopping.patience)
            e.u8(checkpoint.selectionMetric.rawValue)
            e.u32(checkpoint.epochsWithoutImprovement)
            e.u8(checkpoint.history.stoppedEarly)
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.earlyStopping.rawValue, payload: e.bytes))
        }
        if checkpoint.holdsTask {
            var e = ByteEncoder()
            e.u8(code(checkpoint.network.target))
            e.f64(checkpoint.options.corruption.noise)
            e.u32(checkpoint.options.corruption.occlusion)
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.task.rawValue, payload: e.bytes))
        }
        return CheckpointContainer(formatVersion: version, sections: sections).bytes
    }

    /// The schedule's code in the file.
    static func code(_ kind: LearningRateSchedule.Kind) -> UInt8 {
        switch kind {
        case .constant: 0
        case .step: 1
        case .cosine: 2
        case .onecycle: 3
        }
    }

    /// The target's code in `TASK`.
    static func code(_ target: TrainingTarget) -> UInt8 {
        switch target {
        case .labels: 0
        case .input: 1
        }
    }

    /// Versions 1 and 2 hold SGD's four hyper-parameters here; version 3 holds the loss here and
    /// the optimizer, whatever its kind, in `OPTM`.
    private static func meta(_ c: Checkpoint, version: Int) -> [UInt8] {
        var e = ByteEncoder()
        let network = c.network, options = c.options
        e.string(network.spec.description)
        e.u32(network.inputShape.channels)
        e.u32(network.inputShape.height)
        e.u32(network.inputShape.width)
        e.u32(network.classes)
        if version >= 3 { e.string(network.loss.name) }
        e.f32(c.normalization.mean)
        e.f32(c.normalization.std)
        e.u32(options.epochs)
        e.u32(options.batchSize)
        if version < 3, let sgd = options.optimizer as? SGD {
            // The four fields of versions 1 and 2, frozen; only SGD is written in those versions
            // (`CheckpointFormat.version(for:)`).
            e.f64(sgd.learningRate)
            e.f64(sgd.momentum)
            e.u8(sgd.nesterov)
            e.f64(sgd.weightDecay)
        }
        e.u8(code(options.schedule.kind))
        e.u32(options.schedule.stepEpochs)
        e.f64(options.schedule.gamma)
        e.f64(options.schedule.warmupEpochs)
        e.u64(options.seed)
        e.string(c.data.directory)
        e.u64(c.data.limit ?? 0)
        e.u64(c.data.validation)
        for fingerprint in [c.data.train, c.data.validationSet, c.data.test] {
            e.u64(fingerprint.count)
            e.raw(fingerprint.sha256)
        }
        return e.bytes
    }

    /// `PARM` or `STAT`: the tensors' count, then each one's name, rank, dimensions and values.
    private static func tensors(_ tensors: [(name: String, shape: [Int], range: Range<Int>)], values: [Float]) -> [UInt8] {
        var e = ByteEncoder(capacity: 4 * values.count + 64 * tensors.count)
        e.u32(tensors.count)
        for tensor in tensors {
            e.string(tensor.name)
            e.u32(tensor.shape.count)
            for dimension in tensor.shape { e.u32(dimension) }
            e.floats(values[tensor.range])
        }
        return e.bytes
    }

    /// Versions 1 and 2: SGD's step and momentum buffer.
    private static func legacyOptimizer(_ c: Checkpoint) -> [UInt8] {
        let velocity = c.velocity
        var e = ByteEncoder(capacity: 17 + 4 * velocity.count)
        e.u8(1)  // SGD with momentum
        e.u64(c.optimizerStep)
        e.u64(velocity.count)
        e.floats(velocity[...])
        return e.bytes
    }

    /// Version 3: the optimizer's name, its hyper-parameters as key/value pairs, its step and its
    /// state as named tensors.
    private static func optimizer(_ c: Checkpoint) -> [UInt8] {
        let optimizer = c.options.optimizer
        var e = ByteEncoder(capacity: 64 + c.optimizerTensors.reduce(0) { $0 + 4 * $1.count + 32 })
        e.string(type(of: optimizer).name)
        let pairs = optimizer.hyperParameterValues
        e.u32(pairs.count)
        for (key, value) in pairs {
            e.string(key)
            e.f64(value)
        }
        e.u64(c.optimizerStep)
        let tensors = c.namedOptimizerTensors
        e.u32(tensors.count)
        for (name, values) in tensors {
            e.string(name)
            e.u64(values.count)
            e.floats(values[...])
        }
        return e.bytes
    }

    /// The augmentation's parameters, in `AugmentationConfiguration.Parameter` order.
    private static func augmentation(_ c: Checkpoint) -> [UInt8] {
        var e = ByteEncoder()
        for parameter in AugmentationConfiguration.Parameter.allCases { e.f64(c.options.augmentation[parameter]) }
        return e.bytes
    }

    private static func trainer(_ c: Checkpoint, version: Int) -> [UInt8] {
        var e = ByteEncoder()
        e.u32(c.state.epoch)
        e.u32(c.state.stepInEpoch)
        e.u32(c.stepsPerEpoch)
        e.u64(c.state.globalStep)
        e.f64(c.state.epochTotals.loss)
        e.u64(c.state.epochTotals.correct)
        if version >= 6 { e.f64(c.state.epochTotals.squaredError) }
        for evaluation in [c.history.last, c.history.best] {
            e.u32(evaluation?.epoch ?? 0)
            for value in [evaluation?.testLoss, evaluation?.testAccuracy, evaluation?.validationLoss, evaluation?.validationAccuracy] {
                e.f64(value ?? .nan)
            }
        }
        return e.bytes
    }
}
