import Fovea

/// A small run on synthetic bars to checkpoint: 120 training and 30 test images of 12 × 12,
/// a model with a convolution, dropout and a dense layer, Nesterov momentum, weight decay and a
/// cosine schedule with warm-up, so that every piece of state matters.
enum CheckpointFixtures {
    static let spec = "conv(4,3,pad=1) relu maxpool(2) dropout(0.2) flatten dense(8) relu dense(4)"

    static let options = TrainingOptions(
        epochs: 2, batchSize: 16,
        optimizer: SGDConfiguration(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4),
        schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 11)

    static func data() throws -> (train: ImageSet, test: ImageSet) {
        let all = try Fixtures.syntheticSet(count: 150)
        return (all.prefix(120), all.suffix(30))
    }

    /// A fresh trainer on the fixture data (with the fixture's model, or another on its 12 × 12
    /// images and 4 classes).
    static func trainer(threads: Int, options: TrainingOptions = options, spec: String = spec) throws -> Trainer {
        let (train, test) = try data()
        let network = try Network(spec: ModelSpec(spec), inputShape: train.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: options.seed)
        return Trainer(model: model, options: options, train: train, test: test, validation: nil, threads: threads)
    }

    static func record(_ trainer: Trainer) -> TrainingDataRecord {
        TrainingDataRecord(directory: "/synthetic", limit: nil, validation: 0, train: DataFingerprint(of: trainer.train),
                           validationSet: DataFingerprint(of: nil), test: DataFingerprint(of: trainer.test))
    }

    /// The checkpoint of a run stopped after `steps` steps (epochs finished on the way are
    /// recorded in its history).
    static func checkpoint(afterSteps steps: Int, threads: Int = 2, options: TrainingOptions = options,
                           spec: String = spec) throws -> Checkpoint {
        let trainer = try trainer(threads: threads, options: options, spec: spec)
        var history = RunHistory()
        while trainer.globalStep < steps {
            if let report = try trainer.trainEpoch(shouldStop: { trainer.globalStep >= steps }, afterStep: { _ in }) {
                _ = history.record(report)
            }
        }
        return Checkpoint(trainer: trainer, data: record(trainer), history: history)
    }

    /// The bytes of `checkpointAfterSteps(steps)`.
    static func bytes(afterSteps steps: Int = 10) throws -> [UInt8] {
        try CheckpointWriter.encode(checkpoint(afterSteps: steps))
    }
}
