import Testing
import Fovea

/// Training with augmentation stays reproducible bit for bit whatever the thread count, and the
/// augmentation really changes what the network sees.
@Suite struct AugmentedTrainingTests {
    func train(threads: Int, augmentation: AugmentationConfiguration) throws -> (loss: Double, weights: [Float]) {
        let data = try Fixtures.syntheticSet(count: 120, size: 14)
        let network = try Network(spec: ModelSpec("conv(4,3,pad=1) relu maxpool(2) flatten dense(4)"), inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 2)
        let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: SGDConfiguration(learningRate: 0.05, momentum: 0.9),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 2, augmentation: augmentation)
        let trainer = Trainer(model: model, options: options, train: data.prefix(100), test: data.suffix(20), validation: nil, threads: threads)
        var loss = 0.0
        for _ in 0 ..< 2 { loss = try trainer.trainEpoch().trainLoss }
        return (loss, model.parameters.array)
    }

    @Test func reproducibleForAnyThreadCount() throws {
        let reference = try train(threads: 1, augmentation: .strong)
        for threads in [2, 3] {
            let other = try train(threads: threads, augmentation: .strong)
            #expect(other.loss == reference.loss && other.weights == reference.weights, "threads \(threads)")
        }
        #expect(try train(threads: 2, augmentation: .none).weights != reference.weights)
    }
}
