import Foundation
import Testing
import Fovea

/// L1 (mean absolute error) against the input image: the value by hand, the subgradient against
/// numerical differences away from kinks and 0 at them, and a reconstruction run that lowers it,
/// the same weights for any thread count.
@Suite struct L1LossTests {
    static func evaluate(_ output: [Float], _ target: [Float], batch: Int) -> (totals: LossTotals, gradient: [Float]) {
        let count = output.count / batch
        var gradient = [Float](repeating: .nan, count: output.count)
        let labels = [UInt8](repeating: 0, count: batch)
        let totals = output.withUnsafeBufferPointer { y in
            target.withUnsafeBufferPointer { t in
                labels.withUnsafeBufferPointer { l in
                    gradient.withUnsafeMutableBufferPointer { d in
                        L1Loss.evaluate(output: y.baseAddress!, outputCount: count,
                                        targets: LossTargets(labels: l.baseAddress!, images: t.baseAddress!, sampleSize: count),
                                        batch: batch, dOutput: d.baseAddress!, gradientScale: 1)
                    }
                }
            }
        }
        return (totals, gradient)
    }

    /// By hand: outputs (1, −2, 0.5, 3) against (0, 0, 0.5, 1) in two samples of two values:
    /// (1 + 2)/2 + (0 + 2)/2 = 2.5; gradients ±1/2, and 0 where output equals target.
    @Test func valueAndSubgradientByHand() {
        let (totals, gradient) = L1LossTests.evaluate([1, -2, 0.5, 3], [0, 0, 0.5, 1], batch: 2)
        #expect(totals.loss == 2.5 && totals.correct == 0)
        #expect(gradient == [0.5, -0.5, 0, 0.5])
    }

    @Test func gradientMatchesNumericalDifferences() {
        let output = testValues(30, seed: 8)
        // Targets at least 0.05 away from each output, so that no kink lies within h.
        let target = zip(output, testValues(30, seed: 9)).map { y, u in y + (u >= 0 ? 0.05 + u : -0.05 + u) }
        let (_, gradient) = L1LossTests.evaluate(output, target, batch: 3)
        let numerical = numericalGradient(output, h: 1e-2) { L1LossTests.evaluate($0, target, batch: 3).totals.loss }
        expectClose(gradient, numerical, atol: 1e-4, rtol: 1e-3, "L1")
    }

    /// A reconstruction network trained with L1 lowers it, with no accuracy reported, and ends
    /// with the same weights for 1 and 3 threads; its checkpoint names the loss.
    @Test func trainsTheSameOnAnyThreadCount() throws {
        let all = try Fixtures.syntheticSet(count: 96)
        let (train, test) = (all.prefix(80), all.suffix(16))
        let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: Adam(learningRate: 0.01),
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 3)
        func run(threads: Int) throws -> (Trainer, EvaluationResult, [EpochReport]) {
            let network = try Network(spec: ModelSpec("conv(4,3,pad=1) relu conv(1,3,pad=1)"), inputShape: train.sampleShape, classes: 4,
                                      loss: L1Loss.self)
            let trainer = Trainer(model: Model(network: network, normalization: Normalization(statisticsOf: train), seed: 5),
                                  options: options, train: train, test: test, validation: nil, threads: threads)
            let before = trainer.evaluate(on: test)
            return (trainer, before, try (0 ..< 2).map { _ in try trainer.trainEpoch() })
        }
        let (trainer, before, reports) = try run(threads: 1)
        let after = try #require(reports.last?.test)
        #expect(after.loss < before.loss * 0.8, "test L1 \(before.loss) → \(after.loss)")
        #expect(reports.allSatisfy { $0.trainAccuracy == nil && $0.test?.accuracy == nil })
        let (other, _, otherReports) = try run(threads: 3)
        #expect(other.model.parameters.array == trainer.model.parameters.array)
        #expect(otherReports.map(\.trainLoss) == reports.map(\.trainLoss))
        let bytes = try CheckpointWriter.encode(Checkpoint(trainer: trainer, data: CheckpointFixtures.record(trainer), history: RunHistory()))
        #expect(try CheckpointReader.decode(bytes, file: "l1.fovea").network.loss == L1Loss.self)
    }
}
