/// Encodes checkpoints in the format of `CheckpointFormat` and writes them atomically.
public enum CheckpointWriter {
    /// Writes `checkpoint` to `path` atomically (`AtomicFile`): the file at `path` is either left
    /// as it was or replaced by the whole new checkpoint. A checkpoint with a NaN or infinite
    /// weight or momentum is refused, so that a diverged run never replaces a good file.
    public static func write(_ checkpoint: Checkpoint, to path: String) throws(CheckpointError) {
        try AtomicFile.write(try encode(checkpoint, file: path), to: path)
    }

    /// The file's bytes. `file` names the destination in errors.
    public static func encode(_ checkpoint: Checkpoint, file: String = "checkpoint") throws(CheckpointError) -> [UInt8] {
        for (values, suffix) in [(checkpoint.parameters, ""), (checkpoint.velocity, " momentum")] {
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                let tensor = checkpoint.tensor(holding: index)
                throw CheckpointError.notSavedNonFinite(file: file, tensor: tensor.name + suffix, index: tensor.index, value: values[index])
            }
        }
        var sections = [
            CheckpointSection(tag: CheckpointFormat.SectionTag.meta.rawValue, payload: meta(checkpoint)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.parameters.rawValue, payload: parameters(checkpoint)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.optimizer.rawValue, payload: optimizer(checkpoint)),
            CheckpointSection(tag: CheckpointFormat.SectionTag.trainer.rawValue, payload: trainer(checkpoint)),
        ]
        if !checkpoint.options.augmentation.isIdentity {
            sections.append(CheckpointSection(tag: CheckpointFormat.SectionTag.augmentation.rawValue, payload: augmentation(checkpoint)))
        }
        return CheckpointContainer(formatVersion: CheckpointFormat.version(for: checkpoint.options), sections: sections).bytes
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

    private static func meta(_ c: Checkpoint) -> [UInt8] {
        var e = ByteEncoder()
        let network = c.network, options = c.options
        e.string(network.spec.description)
        e.u32(network.inputShape.channels)
        e.u32(network.inputShape.height)
        e.u32(network.inputShape.width)
        e.u32(network.classes)
        e.f32(c.normalization.mean)
        e.f32(c.normalization.std)
        e.u32(options.epochs)
        e.u32(options.batchSize)
        e.f64(options.optimizer.learningRate)
        e.f64(options.optimizer.momentum)
        e.u8(options.optimizer.nesterov)
        e.f64(options.optimizer.weightDecay)
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

    private static func parameters(_ c: Checkpoint) -> [UInt8] {
        let tensors = c.network.parameterTensors
        var e = ByteEncoder(capacity: 4 * c.parameters.count + 64 * tensors.count)
        e.u32(tensors.count)
        for tensor in tensors {
            e.string(tensor.name)
            e.u32(tensor.shape.shape.count)
            for dimension in tensor.shape.shape { e.u32(dimension) }
            e.floats(c.parameters[tensor.range])
        }
        return e.bytes
    }

    private static func optimizer(_ c: Checkpoint) -> [UInt8] {
        var e = ByteEncoder(capacity: 17 + 4 * c.velocity.count)
        e.u8(1)  // SGD with momentum
        e.u64(c.optimizerStep)
        e.u64(c.velocity.count)
        e.floats(c.velocity[...])
        return e.bytes
    }

    /// The augmentation's parameters, in `AugmentationConfiguration.Parameter` order.
    private static func augmentation(_ c: Checkpoint) -> [UInt8] {
        var e = ByteEncoder()
        for parameter in AugmentationConfiguration.Parameter.allCases { e.f64(c.options.augmentation[parameter]) }
        return e.bytes
    }

    private static func trainer(_ c: Checkpoint) -> [UInt8] {
        var e = ByteEncoder()
        e.u32(c.state.epoch)
        e.u32(c.state.stepInEpoch)
        e.u32(c.stepsPerEpoch)
        e.u64(c.state.globalStep)
        e.f64(c.state.epochTotals.loss)
        e.u64(c.state.epochTotals.correct)
        for evaluation in [c.history.last, c.history.best] {
            e.u32(evaluation?.epoch ?? 0)
            for value in [evaluation?.testLoss, evaluation?.testAccuracy, evaluation?.validationLoss, evaluation?.validationAccuracy] {
                e.f64(value ?? .nan)
            }
        }
        return e.bytes
    }
}
