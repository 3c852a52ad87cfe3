import Foundation
import Testing
import Fovea

/// A loss is one type conforming to `Loss`: mean squared error, which reads image targets and does
/// not classify, trains, evaluates, checkpoints and resumes through the same trainer, evaluator
/// and checkpoint code as softmax cross-entropy, with nothing in them that names it.
@Suite struct LossProtocolTests {
    /// A convolutional network that reconstructs its 12 × 12 input.
    static let spec = "conv(4,3,pad=1) relu dropout(0.1) conv(1,3,pad=1)"

    static let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: Adam(learningRate: 0.01),
                                         schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 3)

    static func trainer(threads: Int) throws -> Trainer {
        let (train, test) = try CheckpointFixtures.data()
        let network = try Network(spec: ModelSpec(spec), inputShape: train.sampleShape, classes: 4, loss: MeanSquaredError.self)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: 5)
        return Trainer(model: model, options: options, train: train, test: test, validation: nil, threads: threads)
    }

    /// The gradient MSE writes is the derivative of the summed loss it returns.
    @Test func mseGradient() {
        let batch = 3, count = 10
        let output = testValues(batch * count, seed: 4), target = testValues(batch * count, seed: 5)
        let labels = [UInt8](repeating: 0, count: batch)
        func loss(_ y: [Float]) -> Double {
            y.withUnsafeBufferPointer { y in
                target.withUnsafeBufferPointer { t in
                    labels.withUnsafeBufferPointer { l in
                        MeanSquaredError.evaluate(output: y.baseAddress!, outputCount: count,
                                                  targets: LossTargets(labels: l.baseAddress!, images: t.baseAddress!, sampleSize: count),
                                                  batch: batch, dOutput: nil, gradientScale: 1).loss
                    }
                }
            }
        }
        var gradient = [Float](repeating: .nan, count: batch * count)
        let totals = output.withUnsafeBufferPointer { y in
            target.withUnsafeBufferPointer { t in
                labels.withUnsafeBufferPointer { l in
                    gradient.withUnsafeMutableBufferPointer { d in
                        MeanSquaredError.evaluate(output: y.baseAddress!, outputCount: count,
                                                  targets: LossTargets(labels: l.baseAddress!, images: t.baseAddress!, sampleSize: count),
                                                  batch: batch, dOutput: d.baseAddress!, gradientScale: 1)
                    }
                }
            }
        }
        expectClose(gradient, numericalGradient(output, h: 1e-2, loss), atol: 1e-3, rtol: 1e-3, "mean squared error")
        var expected: Double = 0
        for n in 0 ..< batch {
            var sum: Double = 0
            for i in 0 ..< count {
                let difference = Double(output[n * count + i] - target[n * count + i])
                sum += difference * difference
            }
            expected += sum / Double(count)
        }
        #expect(abs(totals.loss - expected) < 1e-9 && totals.correct == 0)
    }

    /// The network's last layer must suit the loss: MSE wants the input's shape back.
    @Test func outputMustSuitTheLoss() throws {
        #expect(throws: ModelSpecError.self) {
            try Network(spec: ModelSpec("flatten dense(10)"), inputShape: FeatureShape(channels: 1, height: 12, width: 12), classes: 10,
                        loss: MeanSquaredError.self)
        }
        do {
            _ = try Network(spec: ModelSpec("conv(2,3,pad=1)"), inputShape: FeatureShape(channels: 1, height: 12, width: 12), classes: 10,
                            loss: MeanSquaredError.self)
        } catch {
            #expect(error.description == "model spec, column 1, 'conv(2,3,pad=1)': the network must end in the input's shape [1, 12, 12] to rebuild it (--target input), but it ends in [2, 12, 12] (end it in 1 channel of 12×12, e.g. with transposed convolutions or upsampling)")
        }
    }

    /// Training lowers the reconstruction error; the reports carry no accuracy, the evaluation
    /// no confusion matrix; any thread count gives the same weights.
    @Test func trainsAndEvaluatesWithoutAccuracy() throws {
        let trainer = try LossProtocolTests.trainer(threads: 2)
        let before = trainer.evaluate(on: trainer.test!)
        let reports = try (0 ..< 2).map { _ in try trainer.trainEpoch() }
        let after = try #require(reports.last?.test)
        #expect(after.loss < before.loss / 2, "test MSE \(before.loss) → \(after.loss)")
        #expect(reports.allSatisfy { $0.trainAccuracy == nil && $0.test?.accuracy == nil } && after.confusion.isEmpty)
        let other = try LossProtocolTests.trainer(threads: 3)
        for _ in 0 ..< 2 { _ = try other.trainEpoch() }
        #expect(other.model.parameters.array == trainer.model.parameters.array)
    }

    /// The checkpoint names the loss (format version 3) and a resumed run ends where a straight
    /// one does; best.fovea follows the lowest loss.
    @Test func checkpointsAndResumes() throws {
        let straight = try LossProtocolTests.trainer(threads: 2)
        var straightHistory = RunHistory()
        for _ in 0 ..< 2 { _ = straightHistory.record(try straight.trainEpoch()) }
        #expect(straightHistory.best?.testLoss == [straightHistory.best, straightHistory.last].compactMap { $0?.testLoss }.min())

        let stopped = try LossProtocolTests.trainer(threads: 1)
        var history = RunHistory()
        while stopped.globalStep < 11 {
            if let report = try stopped.trainEpoch(shouldStop: { stopped.globalStep >= 11 }, afterStep: { _ in }) { _ = history.record(report) }
        }
        let bytes = try CheckpointWriter.encode(Checkpoint(trainer: stopped, data: CheckpointFixtures.record(stopped), history: history))
        let checkpoint = try CheckpointReader.decode(bytes, file: "mse.fovea")
        // Mid-epoch (step 11): version 6, whose TRNR keeps the epoch's partial squared error.
        #expect(checkpoint.formatVersion == 6 && checkpoint.network.loss == MeanSquaredError.self)
        #expect(checkpoint.state == stopped.state)
        let (train, test) = try CheckpointFixtures.data()
        let resumed = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        while resumed.epoch < 2 { _ = try resumed.trainEpoch() }
        #expect(resumed.model.parameters.array == straight.model.parameters.array)
        #expect(resumed.optimizerState.tensors == straight.optimizerState.tensors)
    }
}
