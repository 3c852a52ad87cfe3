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
        guard case let .diverged(epoch, step, steps, loss, clipNorm) = caught else {
            Issue.record("the run did not diverge")
            return
        }
        #expect(epoch == 1 && step >= 1 && steps == trainer.stepsPerEpoch && !loss.isFinite && clipNorm == nil)
        // Steps before the bad one were applied, the bad one not: the state is that of step - 1.
        #expect(trainer.globalStep == step - 1 && trainer.optimizerState.step == step - 1)
        let finite = trainer.model.parameters.array.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect("\(caught!)" == "training diverged in epoch 1 at step \(step) of \(steps): the batch's mean loss is \(loss.isNaN ? "NaN" : "infinite"); that step was not applied and no checkpoint was written after it (train again with a lower --lr, or clip the gradient with --clip-grad-norm, e.g. 1)")
    }
}

/// `--clip-grad-norm` against divergence, and a gradient that goes non-finite while the loss
/// stays finite.
@Suite struct GradientDivergenceTests {
    static func trainer(learningRate: Double, clipping: Double?, parameters: (Network) -> [Float]? = { _ in nil },
                        spec: String = "conv(6,5,stride=2) relu dropout(0.25) flatten dense(10)") throws -> Trainer {
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        let train = mnist.train.prefix(600)
        let network = try Network(spec: ModelSpec(spec), inputShape: train.sampleShape, classes: 10)
        let normalization = Normalization(statisticsOf: train)
        let model = parameters(network).map { Model(network: network, normalization: normalization, parameters: $0) }
            ?? Model(network: network, normalization: normalization, seed: 5)
        let options = TrainingOptions(epochs: 2, batchSize: 32, optimizer: SGD(learningRate: learningRate, momentum: 0),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 5,
                                      gradientClipping: clipping.flatMap(GradientClipping.init(maxNorm:)))
        return Trainer(model: model, options: options, train: train, test: nil, validation: nil, threads: 2)
    }

    /// SGD at a rate of 30 diverges within the first epoch; with the gradient's norm clipped
    /// to 1 the same run trains both epochs and its weights stay finite.
    @Test func clippingKeepsAHugeLearningRateFinite() throws {
        let unclipped = try GradientDivergenceTests.trainer(learningRate: 30, clipping: nil)
        #expect(throws: TrainingError.self) {
            for _ in 0 ..< 2 { _ = try unclipped.trainEpoch() }
        }
        let clipped = try GradientDivergenceTests.trainer(learningRate: 30, clipping: 1)
        for _ in 0 ..< 2 {
            let report = try clipped.trainEpoch()
            #expect(report.trainLoss.isFinite)
        }
        #expect(clipped.epoch == 2 && clipped.model.parameters.array.allSatisfy { $0.isFinite })
    }

    /// Finite weights whose first step has a finite loss but an infinite gradient: the first
    /// dense layer outputs zeros (its weights and bias are 0), so the logits are the second
    /// layer's bias, which makes class 0 nearly certain (loss about 50 for other digits); the
    /// second layer's weights are ±3·10³⁸, so the gradient flowing back to the first layer is
    /// about −2·3·10³⁸ / 32 per digit that is not a 0, and the first layer's bias gradient, their
    /// sum over the batch, overflows.
    static func overflowingGradient(_ network: Network) -> [Float] {
        var values = [Float](repeating: 0, count: network.parameterCount)
        for tensor in network.parameterTensors {
            switch tensor.name {
            case "layer3.dense.weight":
                let inputs = tensor.shape.shape[1]
                for i in tensor.range { values[i] = (i - tensor.range.lowerBound) / inputs == 0 ? -3e38 : 3e38 }
            case "layer3.dense.bias":
                values[tensor.range.lowerBound] = 50
            default:
                break
            }
        }
        return values
    }

    static let overflowingSpec = "flatten dense(8) dense(10)"

    /// A step whose gradient is not finite (though its loss is) stops the run with
    /// `TrainingError.gradientNotFinite` naming the element, and is not applied: the weights and
    /// the optimizer are as they were. With clipping on, the same (a norm that is not finite
    /// cannot be clipped), and the remedy says so.
    @Test(arguments: [nil, 1.0])
    func nonFiniteGradientIsNotApplied(clipping: Double?) throws {
        let trainer = try GradientDivergenceTests.trainer(learningRate: 0.01, clipping: clipping, parameters: GradientDivergenceTests.overflowingGradient,
                                                          spec: GradientDivergenceTests.overflowingSpec)
        let before = trainer.model.parameters.array
        var caught: TrainingError?
        do {
            _ = try trainer.trainEpoch()
        } catch let error as TrainingError {
            caught = error
        }
        guard case let .gradientNotFinite(epoch, step, steps, tensor, index, value, clipNorm) = caught else {
            Issue.record("the run did not stop on its gradient: \(String(describing: caught))")
            return
        }
        #expect(epoch == 1 && step == 1 && steps == 19 && clipNorm == clipping && !value.isFinite)
        let names = trainer.model.network.parameterTensors.map(\.name)
        #expect(names == ["layer2.dense.weight", "layer2.dense.bias", "layer3.dense.weight", "layer3.dense.bias"])
        #expect(names.prefix(2).contains(tensor) && index >= 0)
        #expect(trainer.globalStep == 0 && trainer.optimizerState.step == 0 && trainer.epochTotals == LossTotals())
        #expect(SHA256Digest.weights(trainer.model.parameters.array) == SHA256Digest.weights(before))
        #expect(trainer.optimizerState.tensors.allSatisfy { $0.allSatisfy { $0 == 0 } })
        let remedy = clipping == nil ? "a lower --lr, or clip the gradient with --clip-grad-norm, e.g. 1" : "a lower --lr or a --clip-grad-norm below 1.0"
        #expect("\(caught!)" == "training diverged in epoch 1 at step 1 of 19: the gradient went non-finite (element \(index) of the gradient of \(tensor) is \(value.isNaN ? "NaN" : "infinite")); that step was not applied and no checkpoint was written after it (train again with \(remedy))")
    }
}
