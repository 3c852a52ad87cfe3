import Testing
import Fovea

/// Training really learns: bounds on loss and accuracy after short runs.
@Suite struct TrainingSmokeTests {
    @Test func learnsSyntheticBars() throws {
        let data = try Fixtures.syntheticSet(count: 400)
        let network = try Network(spec: ModelSpec("conv(4,3) relu maxpool(2) flatten dense(4)"), inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 1)
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 3, batchSize: 16, optimizer: SGDConfiguration(learningRate: 0.05),
                                                                     schedule: LearningRateSchedule(kind: .constant), seed: 1),
                              train: data.prefix(300), test: data.suffix(100), validation: nil, threads: 2)
        var last: EpochReport?
        for _ in 0 ..< 3 { last = try trainer.trainEpoch() }
        let report = try #require(last)
        #expect(report.trainLoss < 0.2, "train loss \(report.trainLoss)")
        let accuracy = try #require(report.test?.accuracy)
        #expect(accuracy >= 0.97, "test accuracy \(accuracy)")
    }

    /// 2,000 real MNIST digits, two epochs of lenet-small: most test digits right.
    @Test func learnsMNISTDigits() throws {
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        let train = mnist.train.prefix(2000)
        let network = try Network(spec: ModelSpec("lenet-small"), inputShape: train.sampleShape, classes: 10)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: 1)
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 2, batchSize: 32, optimizer: SGDConfiguration(learningRate: 0.01),
                                                                     schedule: LearningRateSchedule(kind: .cosine), seed: 1),
                              train: train, test: mnist.test.prefix(2000), validation: nil, threads: 2)
        _ = try trainer.trainEpoch()
        let report = try trainer.trainEpoch()
        #expect(report.trainLoss < 0.6, "train loss \(report.trainLoss)")
        let accuracy = try #require(report.test?.accuracy)
        #expect(accuracy > 0.85, "test accuracy \(accuracy)")
        let evaluation = trainer.evaluate(on: mnist.test.prefix(2000))
        #expect(evaluation.accuracy == report.test!.accuracy)
        #expect(evaluation.confusion.joined().reduce(0, +) == 2000)
    }
}
