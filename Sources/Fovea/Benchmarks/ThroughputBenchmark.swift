import Foundation

/// Whole-step throughput of training and evaluation, measured with the real `Trainer` and
/// `Evaluator` on synthetic images held in memory (random pixels and labels: the kernels' speed
/// does not depend on the data).
public enum ThroughputBenchmark {
    /// What `training` measured: samples per second, and the training workspaces the trainer
    /// kept (`Trainer.trainingWorkspaces`).
    public struct TrainingThroughput: Sendable {
        public let samplesPerSecond: Double
        public let workspaces: Int
        public let workspaceBytes: Int
        /// Whether the workspaces are one per shard (whole-batch layers) rather than one per thread.
        public let workspacePerShard: Bool
    }

    /// Samples per second (median over `repetitions`) of training steps of `batch` samples on
    /// `threads` threads with `optimizer` (by default SGD with momentum); one untimed epoch warms
    /// up first.
    public static func training(network: Network, batch: Int, threads: Int, optimizer: any Optimizer = SGD(learningRate: 0.01),
                                steps: Int = 20, repetitions: Int = 3) throws -> TrainingThroughput {
        let set = try syntheticSet(count: batch * steps, shape: network.inputShape, classes: network.classes)
        let model = Model(network: network, normalization: Normalization(mean: 0.13, std: 0.31), seed: 1)
        let options = TrainingOptions(epochs: repetitions + 1, batchSize: batch,
                                      optimizer: optimizer,
                                      schedule: LearningRateSchedule(kind: .constant), seed: 1)
        let trainer = Trainer(model: model, options: options, train: set, test: nil, validation: nil, threads: threads)
        _ = try trainer.trainEpoch()
        let rates = try (0 ..< repetitions).map { _ in try trainer.trainEpoch().samplesPerSecond }
        let (count, bytes, perShard) = trainer.trainingWorkspaces
        return TrainingThroughput(samplesPerSecond: median(rates), workspaces: count, workspaceBytes: bytes, workspacePerShard: perShard)
    }

    /// Samples per second (median over `repetitions`) of evaluation in chunks of `batch` on
    /// `threads` threads; one untimed pass warms up first.
    public static func evaluation(network: Network, batch: Int, threads: Int, samples: Int = 4096, repetitions: Int = 3) throws -> Double {
        let set = try syntheticSet(count: samples, shape: network.inputShape, classes: network.classes)
        let model = Model(network: network, normalization: Normalization(mean: 0.13, std: 0.31), seed: 1)
        let evaluator = Evaluator(network: network, batchSize: batch, threads: threads)
        _ = evaluator.evaluate(model, on: set)
        let clock = ContinuousClock()
        let rates = (0 ..< repetitions).map { _ in
            let start = clock.now
            _ = evaluator.evaluate(model, on: set)
            return Double(samples) / (clock.now - start).seconds
        }
        return median(rates)
    }

    /// `count` single-channel images of random bytes with random labels, built as IDX files in
    /// memory.
    static func syntheticSet(count: Int, shape: FeatureShape, classes: Int) throws -> ImageSet {
        precondition(shape.channels == 1, "image sets are single-channel")
        let stream = RandomStream(seed: 7, purpose: .initialization)
        let pixels = (0 ..< count * shape.count).map { UInt8(truncatingIfNeeded: Int(stream.uniform(UInt64($0)) * 256)) }
        let labels = (0 ..< count).map { UInt8(Int(stream.uniform(UInt64(count * shape.count + $0)) * Float(classes)) % classes) }
        let images = try IDXFile(fileBytes: IDXFile.encode(dimensions: [count, shape.height, shape.width], payload: pixels),
                                 path: "synthetic-images")
        let labelFile = try IDXFile(fileBytes: IDXFile.encode(dimensions: [count], payload: labels), path: "synthetic-labels")
        return try ImageSet(images: images, labels: labelFile, classes: classes)
    }
}
