import Testing
import Fovea

/// A run whose loss stops being finite stops at that step with `TrainingError.diverged`, and the
/// step is not applied: the weights stay finite, as the last good step left them.
@Suite struct DivergenceTests {
    /// SGD at a learning rate of 10⁴ on 600 MNIST digits overflows within a few steps.
    @Test func divergedStepIsNotApplied() throws {
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        let train = mnist.train.prefix(600)
        let network = try Network(spec: ModelSpec("conv(6,5,stride=2) relu dropout(0.25) flatten dense(10)"), inputShape: train.sampleShape,
                                  classes: 10)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: 5)
        let options = TrainingOptions(epochs: 2, batchSize: 32, optimizer: SGD(learningRate: 1e4, momentum: 0),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 5)
        let trainer = Trainer(model: model, options: options, train: train, test: nil, validation: nil, threads: 2)
        var caught: TrainingError?
        do {
            for _ in 0 ..< options.epochs { _ = try trainer.trainEpoch() }
        } catch let error as TrainingError {
            caught = error
        }
        guard case let .diverged(epoch, step, steps, loss) = caught else {
            Issue.record("the run did not diverge")
            return
        }
        #expect(epoch == 1 && step >= 1 && steps == trainer.stepsPerEpoch && !loss.isFinite)
        // Steps before the bad one were applied, the bad one not: the state is that of step - 1.
        #expect(trainer.globalStep == step - 1 && trainer.optimizerState.step == step - 1)
        let finite = trainer.model.parameters.array.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect("\(caught!)" == "training diverged in epoch 1 at step \(step) of \(steps): the batch's mean loss is \(loss.isNaN ? "NaN" : "infinite"); that step was not applied and no checkpoint was written after it (train again with a lower --lr)")
    }
}
