import Testing
import Fovea

/// `EarlyStopping`: the patience's range, the count (epochs since the best one, so exactly the
/// notion of `best.fovea`), where a run stops, and `SelectionMetric`, the figure it watches.
@Suite struct EarlyStoppingTests {
    @Test(arguments: [(0, false), (-1, false), (1, true), (3, true), (10_000, true), (10_001, false), (Int.max, false)])
    func patienceRange(patience: Int, accepted: Bool) {
        #expect(EarlyStopping.accepts(patience) == accepted)
        #expect((EarlyStopping(patience: patience)?.patience) == (accepted ? patience : nil))
    }

    static func evaluation(_ epoch: Int, accuracy: Double) -> EpochEvaluation {
        EpochEvaluation(epoch: epoch, testLoss: 1 - accuracy, testAccuracy: accuracy, validationLoss: nil, validationAccuracy: nil)
    }

    /// The count is the epochs finished since the best one; the run stops once it reaches the
    /// patience, but never at (or after) its planned last epoch.
    @Test func countsEpochsSinceTheBest() throws {
        let stopping = try #require(EarlyStopping(patience: 2))
        #expect(EarlyStopping.epochsWithoutImprovement(RunHistory(), epoch: 0) == 0)
        let history = RunHistory(last: EarlyStoppingTests.evaluation(5, accuracy: 0.5), best: EarlyStoppingTests.evaluation(3, accuracy: 0.9))
        #expect(EarlyStopping.epochsWithoutImprovement(history, epoch: 3) == 0)
        #expect(EarlyStopping.epochsWithoutImprovement(history, epoch: 4) == 1)
        #expect(EarlyStopping.epochsWithoutImprovement(history, epoch: 5) == 2)
        #expect(!stopping.stops(history, epoch: 4, epochs: 10))
        #expect(stopping.stops(history, epoch: 5, epochs: 10))
        #expect(stopping.stops(history, epoch: 6, epochs: 10))
        #expect(!stopping.stops(history, epoch: 5, epochs: 5), "a run that reaches its last epoch simply ends")
        #expect(!stopping.stops(RunHistory(), epoch: 0, epochs: 5))
    }

    /// On a real run whose learning rate drops to nothing after epoch 1 (step schedule, γ =
    /// 1e-300), the test accuracy is the same from epoch 1 on: ties, which do not improve
    /// (as for best.fovea), so a patience of 2 stops the run after epoch 3 with epoch 1 the best.
    @Test func plateauStopsAfterPatienceEpochs() throws {
        var options = CheckpointFixtures.options
        options.epochs = 8
        options.schedule = LearningRateSchedule(kind: .step, stepEpochs: 1, gamma: 1e-300)
        let trainer = try CheckpointFixtures.trainer(threads: 2, options: options)
        let stopping = try #require(EarlyStopping(patience: 2))
        var history = RunHistory()
        var accuracies: [Double?] = []
        var bestEpochs: [Int] = []
        while trainer.epoch < options.epochs {
            let report = try trainer.trainEpoch()
            let isBest = history.record(report)
            if isBest { bestEpochs.append(report.epoch) }
            accuracies.append(report.test?.accuracy)
            if stopping.stops(history, epoch: trainer.epoch, epochs: options.epochs) { break }
        }
        #expect(trainer.epoch == 3 && bestEpochs == [1] && history.best?.epoch == 1)
        #expect(Set(accuracies.map { $0 ?? -1 }).count == 1, "\(accuracies)")
        #expect(EarlyStopping.epochsWithoutImprovement(history, epoch: trainer.epoch) == 2)
    }

    /// The metric: validation if there is a validation set, else test; accuracy for a loss that
    /// classifies, else the loss; none without either set.
    @Test func selectionMetric() throws {
        let (train, test) = try CheckpointFixtures.data()
        let validation = train.suffix(20)
        #expect(SelectionMetric(validation: nil, test: test, loss: SoftmaxCrossEntropy.self) == .testAccuracy)
        #expect(SelectionMetric(validation: validation, test: test, loss: SoftmaxCrossEntropy.self) == .validationAccuracy)
        #expect(SelectionMetric(validation: validation, test: nil, loss: MeanSquaredError.self) == .validationLoss)
        #expect(SelectionMetric(validation: nil, test: test, loss: MeanSquaredError.self) == .testLoss)
        #expect(SelectionMetric(validation: nil, test: nil, loss: SoftmaxCrossEntropy.self) == nil)
        #expect(SelectionMetric(validation: train.prefix(0), test: nil, loss: SoftmaxCrossEntropy.self) == nil)
        let e = EpochEvaluation(epoch: 1, testLoss: 0.4, testAccuracy: 0.8, validationLoss: 0.3, validationAccuracy: 0.9)
        #expect(SelectionMetric.allCases.map { $0.value(in: e) } == [0.9, 0.8, 0.3, 0.4])
        #expect(SelectionMetric.allCases.map(\.key) == ["validation_accuracy", "test_accuracy", "validation_loss", "test_loss"])
        #expect(SelectionMetric.allCases.map(\.rawValue) == [1, 2, 3, 4])
    }
}
