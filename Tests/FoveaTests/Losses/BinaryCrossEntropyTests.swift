import Foundation
import Testing
import Fovea

/// Binary cross-entropy on one logit: its value against the formula worked out by hand, its
/// gradient against numerical differences, extreme logits, the prediction and probabilities the
/// evaluator, the error gallery and `predict` read, the output and class checks, and a short
/// training run that is the same for any thread count.
@Suite struct BinaryCrossEntropyTests {
    /// The summed loss of `logits` against `labels`, and the gradient (scale 1).
    static func evaluate(_ logits: [Float], _ labels: [UInt8]) -> (totals: LossTotals, gradient: [Float]) {
        var gradient = [Float](repeating: .nan, count: logits.count)
        let images = [Float](repeating: 0, count: logits.count)
        let totals = logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                images.withUnsafeBufferPointer { t in
                    gradient.withUnsafeMutableBufferPointer { d in
                        BinaryCrossEntropy.evaluate(output: z.baseAddress!, outputCount: 1,
                                                    targets: LossTargets(labels: l.baseAddress!, images: t.baseAddress!, sampleSize: 1),
                                                    batch: logits.count, dOutput: d.baseAddress!, gradientScale: 1)
                    }
                }
            }
        }
        return (totals, gradient)
    }

    /// By hand: z = 2, y = 1 gives log(1 + e⁻²) = 0.126928…; z = 2, y = 0 gives 2 + log(1 + e⁻²);
    /// z = −3, y = 0 gives log(1 + e⁻³); z = 0 gives log 2 either way. Gradients σ(z) − y.
    @Test func valuesByHand() {
        let cases: [(z: Float, y: UInt8, loss: Double, gradient: Double)] = [
            (2, 1, log(1 + exp(-2.0)), 1 / (1 + exp(-2.0)) - 1),
            (2, 0, 2 + log(1 + exp(-2.0)), 1 / (1 + exp(-2.0))),
            (-3, 0, log(1 + exp(-3.0)), 1 / (1 + exp(3.0))),
            (-3, 1, 3 + log(1 + exp(-3.0)), 1 / (1 + exp(3.0)) - 1),
            (0, 1, log(2.0), -0.5),
            (0, 0, log(2.0), 0.5),
        ]
        #expect(abs(log(1 + exp(-2.0)) - 0.12692801104297263) < 1e-15)
        for c in cases {
            let (totals, gradient) = BinaryCrossEntropyTests.evaluate([c.z], [c.y])
            #expect(abs(totals.loss - c.loss) < 1e-12, "z \(c.z) y \(c.y): loss \(totals.loss), expected \(c.loss)")
            #expect(abs(Double(gradient[0]) - c.gradient) < 1e-7, "z \(c.z) y \(c.y): gradient \(gradient[0]), expected \(c.gradient)")
            #expect(totals.correct == ((c.z > 0 ? 1 : 0) == Int(c.y) ? 1 : 0))
        }
    }

    /// The gradient is the derivative of the summed loss it returns, at logits on both sides of 0.
    @Test func gradientMatchesNumericalDifferences() {
        let logits = testValues(12, seed: 21).map { $0 * 4 }
        let labels: [UInt8] = (0 ..< 12).map { UInt8(($0 * 5 + 1) % 3 == 0 ? 1 : 0) }
        let (_, gradient) = BinaryCrossEntropyTests.evaluate(logits, labels)
        let numerical = numericalGradient(logits, h: 1e-2) { BinaryCrossEntropyTests.evaluate($0, labels).totals.loss }
        expectClose(gradient, numerical, atol: 1e-4, rtol: 1e-3, "binary cross-entropy")
    }

    /// Logits of ±100 (and ±1e30) neither overflow nor give NaN: the loss is about |z| where the
    /// label disagrees and about 0 where it agrees, the gradient ±1 or 0.
    @Test func extremeLogits() {
        let logits: [Float] = [100, 100, -100, -100, 1e30, -1e30]
        let labels: [UInt8] = [1, 0, 1, 0, 0, 0]
        let (totals, gradient) = BinaryCrossEntropyTests.evaluate(logits, labels)
        #expect(totals.loss.isFinite && gradient.allSatisfy(\.isFinite))
        let single = logits.indices.map { BinaryCrossEntropyTests.evaluate([logits[$0]], [labels[$0]]).totals.loss }
        #expect(single[0] < 1e-40 && abs(single[1] - 100) < 1e-12 && abs(single[2] - 100) < 1e-12 && single[3] < 1e-40)
        #expect(abs(single[4] / Double(Float(1e30)) - 1) < 1e-12 && single[5] == 0)
        // σ(−100) ≈ 3.7e−44 is still representable (a subnormal float): the gradient of z = −100, y = 0.
        #expect(gradient[0] == 0 && gradient[1] == 1 && gradient[2] == -1 && gradient[3] >= 0 && gradient[3] < Float.leastNormalMagnitude)
        #expect(gradient[4] == 1 && gradient[5] == 0)
        #expect(totals.correct == 3)
        logits.withUnsafeBufferPointer { z in
            #expect(BinaryCrossEntropy.classProbabilities(output: z.baseAddress!, count: 1, classes: 2) == [0, 1])
            let low = BinaryCrossEntropy.classProbabilities(output: z.baseAddress! + 2, count: 1, classes: 2)
            #expect(low[0] == 1 && low[1] > 0 && low[1] < 1e-40)
        }
    }

    /// Class 1 where the logit is above 0; probabilities [1 − σ(z), σ(z)].
    @Test func predictionAndProbabilities() {
        let logits: [Float] = [0.5, -0.5, 0, 3]
        logits.withUnsafeBufferPointer { z in
            let predicted = (0 ..< 4).map { BinaryCrossEntropy.predictedClass(output: z.baseAddress! + $0, count: 1) }
            #expect(predicted == [1, 0, 0, 1])
            let p = BinaryCrossEntropy.classProbabilities(output: z.baseAddress!, count: 1, classes: 2)
            let sigma = 1 / (1 + exp(-0.5))
            #expect(abs(p[1] - sigma) < 1e-15 && abs(p[0] - (1 - sigma)) < 1e-15)
            #expect(BinaryCrossEntropy.classProbability(output: z.baseAddress! + 1, count: 1, of: 0) == 1 - exp(-0.5) / (1 + exp(-0.5)))
        }
    }

    /// The network must end in one logit and the data have two classes; each refusal says what
    /// to change. A 1-logit network under softmax cross-entropy points at binary cross-entropy.
    @Test func outputAndClassChecks() throws {
        let input = FeatureShape(channels: 1, height: 12, width: 12)
        func message(_ spec: String, classes: Int, loss: any Loss.Type) -> String? {
            do {
                _ = try Network(spec: ModelSpec(spec), inputShape: input, classes: classes, loss: loss)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message("flatten dense(1)", classes: 2, loss: BinaryCrossEntropy.self) == nil)
        #expect(message("flatten dense(10)", classes: 2, loss: BinaryCrossEntropy.self)
            == "model spec, column 9, 'dense(10)': binary cross-entropy needs one output (a logit) per sample, but the network ends in [10] (end it with 'dense(1)')")
        #expect(message("flatten dense(1)", classes: 10, loss: BinaryCrossEntropy.self)
            == "model spec, column 9, 'dense(1)': binary cross-entropy tells two classes apart (labels 0 and 1), but there are 10 (use 2 classes, or softmax cross-entropy with 'dense(10)')")
        #expect(message("flatten dense(1)", classes: 10, loss: SoftmaxCrossEntropy.self)
            == "model spec, column 9, 'dense(1)': the network must end in 10 values (one logit per class), e.g. 'flatten dense(10)', but it ends in [1] (one logit is for binary cross-entropy on two classes: --loss bce)")
    }

    /// A small binary run through `Trainer`: it learns (accuracy from the loss's prediction, the
    /// confusion matrix 2 × 2 and agreeing with it), the same weights and figures for 1, 2 and 3
    /// threads, and the checkpoint names the loss and rebuilds it.
    @Test func trainsTheSameOnAnyThreadCount() throws {
        let all = try Fixtures.syntheticSet(count: 160, classes: 2)
        let (train, test) = (all.prefix(128), all.suffix(32))
        let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: Adam(learningRate: 0.01),
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 3)
        func run(threads: Int) throws -> (Trainer, [EpochReport]) {
            let network = try Network(spec: ModelSpec("conv(4,3,pad=1) relu avgpool(2) flatten dense(8) dense(1)"), inputShape: train.sampleShape,
                                      classes: 2, loss: BinaryCrossEntropy.self)
            let trainer = Trainer(model: Model(network: network, normalization: Normalization(statisticsOf: train), seed: 5),
                                  options: options, train: train, test: test, validation: nil, threads: threads)
            return (trainer, try (0 ..< 2).map { _ in try trainer.trainEpoch() })
        }
        let (trainer, reports) = try run(threads: 2)
        let result = try #require(reports.last?.test)
        #expect((result.accuracy ?? 0) > 0.9, "test accuracy \(result.accuracy ?? 0)")
        #expect(result.confusion.count == 2 && result.confusion.allSatisfy { $0.count == 2 })
        #expect(Double(result.confusion[0][0] + result.confusion[1][1]) / Double(result.count) == result.accuracy)
        for threads in [1, 3] {
            let (other, otherReports) = try run(threads: threads)
            #expect(other.model.parameters.array == trainer.model.parameters.array, "\(threads) threads")
            #expect(otherReports.map(\.trainLoss) == reports.map(\.trainLoss) && otherReports.map(\.test) == reports.map(\.test))
        }
        let samples = try Evaluator(network: trainer.model.network, threads: 2).evaluateSamples(trainer.model, on: test)
        #expect(samples.result == result)
        #expect(samples.samples.allSatisfy { $0.probability >= 0.5 && $0.predicted < 2 })
        let probabilities = try Predictor(model: trainer.model).probabilities((0 ..< 4).map { test.image($0) })
        #expect(probabilities.allSatisfy { $0.count == 2 && abs($0[0] + $0[1] - 1) < 1e-12 })
        #expect(zip(probabilities, samples.samples).allSatisfy { p, s in (p[1] > 0.5 ? 1 : 0) == s.predicted })
        // An image of another size is refused, naming it, rather than trapping.
        let small = GrayscaleImage(width: 3, height: 2)
        #expect(throws: PredictionError.wrongSize(index: 1, width: 3, height: 2, expected: trainer.model.network.inputShape)) {
            _ = try Predictor(model: trainer.model).probabilities([test.image(0), small])
        }

        let bytes = try CheckpointWriter.encode(Checkpoint(trainer: trainer, data: CheckpointFixtures.record(trainer), history: RunHistory()))
        let checkpoint = try CheckpointReader.decode(bytes, file: "bce.fovea")
        #expect(checkpoint.network.loss == BinaryCrossEntropy.self && checkpoint.network.classes == 2)
        #expect(Evaluator(network: checkpoint.network, threads: 1).evaluate(checkpoint.makeModel(), on: test) == result)
    }
}
