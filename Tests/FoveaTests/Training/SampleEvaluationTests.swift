import Foundation
import Testing
import Fovea

/// `Evaluator.evaluateSamples`: one outcome per sample, consistent with the aggregate evaluation,
/// the same for any thread count, and errors listed worst first with ties in index order.
@Suite struct SampleEvaluationTests {
    /// The checkpoint fixture's model after one epoch (8 steps): right on some test images,
    /// wrong on others.
    static func model() throws -> Model {
        let trainer = try CheckpointFixtures.trainer(threads: 2)
        _ = try trainer.trainEpoch()
        return trainer.model
    }

    /// 250 images (three chunks of the evaluator: 100, 100, 50) in which sample `n` repeats
    /// sample `n % 50` of a synthetic set: repeated images get equal losses, a tie to break.
    static func repeatingSet() throws -> ImageSet {
        let source = try Fixtures.syntheticSet(count: 50, seed: 9)
        let size = source.height * source.width
        let pixels = source.withPixels { Array($0) }
        let all = (0 ..< 250).flatMap { pixels[($0 % 50) * size ..< ($0 % 50 + 1) * size] }
        let labels = (0 ..< 250).map { source.label($0 % 50) }
        let images = try IDXFile(fileBytes: Fixtures.idx(dimensions: [250, source.height, source.width], payload: all), path: "repeating-images")
        let labelFile = try IDXFile(fileBytes: Fixtures.idx(dimensions: [250], payload: labels), path: "repeating-labels")
        return try ImageSet(images: images, labels: labelFile, classes: 4)
    }

    @Test func outcomesAgreeWithTheAggregateForAnyThreadCount() throws {
        let model = try SampleEvaluationTests.model()
        // A suffix, so that set indices and file indices differ.
        let set = try Fixtures.syntheticSet(count: 400, seed: 9).suffix(250)
        var first: SampleEvaluation?
        for threads in [1, 2, 3] {
            let evaluator = Evaluator(network: model.network, threads: threads)
            let evaluation = try evaluator.evaluateSamples(model, on: set)
            // The aggregate is exactly what `evaluate` gives.
            #expect(evaluation.result == evaluator.evaluate(model, on: set), "threads \(threads)")
            if let first { #expect(evaluation == first, "threads \(threads)") } else { first = evaluation }
        }
        let evaluation = try #require(first)
        let samples = evaluation.samples, result = evaluation.result
        #expect(samples.map(\.index) == Array(0 ..< 250))
        #expect(samples.map(\.label) == (0 ..< 250).map { Int(set.label($0)) })
        // The confusion matrix and accuracy, counted again from the outcomes.
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        for s in samples { confusion[s.label][s.predicted] += 1 }
        #expect(confusion == result.confusion)
        let correct = samples.filter(\.isCorrect).count
        #expect(Double(correct) / 250 == result.accuracy)
        #expect(correct > 0 && correct < 250, "the fixture should get some images wrong and some right (\(correct) of 250 right)")
        // The mean of the per-sample losses is the mean loss (summed in another grouping).
        let mean = samples.map(\.loss).reduce(0, +) / 250
        #expect(abs(mean - result.loss) <= 1e-12 * max(1, result.loss), "\(mean) vs \(result.loss)")
        for s in samples {
            #expect(s.probability >= 0.25 - 1e-12 && s.probability <= 1, "sample \(s.index): p \(s.probability)")
            // Cross-entropy: for a right prediction the loss is −log of its probability.
            if s.isCorrect { #expect(abs(s.loss + log(s.probability)) <= 1e-9, "sample \(s.index)") }
            // For a wrong one the label had less probability than the prediction.
            else { #expect(s.loss > -log(s.probability) - 1e-12, "sample \(s.index)") }
        }
    }

    @Test func errorsComeWorstFirstWithTiesInIndexOrder() throws {
        let model = try SampleEvaluationTests.model()
        let set = try SampleEvaluationTests.repeatingSet()
        let evaluation = try Evaluator(network: model.network, threads: 2).evaluateSamples(model, on: set)
        let errors = evaluation.errors
        #expect(errors.count == evaluation.samples.filter { !$0.isCorrect }.count && errors.allSatisfy { !$0.isCorrect })
        #expect(errors.count >= 5, "each wrong image repeats 5 times")
        for (a, b) in zip(errors, errors.dropFirst()) {
            #expect(a.loss > b.loss || (a.loss == b.loss && a.index < b.index), "\(a) before \(b)")
        }
        // Repeated images mostly get the same loss bit for bit (not always: a sample's position in its
        // shard can change the rounding of its outputs), so there are ties, and they are in index order.
        let ties = zip(errors, errors.dropFirst()).filter { $0.loss == $1.loss }
        #expect(ties.count >= errors.count / 2 && ties.allSatisfy { $0.index < $1.index })
    }

    @Test func theOrderIsTotalWithNaNFirst() {
        func outcome(_ index: Int, _ loss: Double) -> SampleOutcome {
            SampleOutcome(index: index, label: 0, predicted: 1, probability: 0.5, loss: loss)
        }
        let outcomes = [outcome(4, 1), outcome(2, 3), outcome(9, .nan), outcome(1, 1), outcome(0, 3), outcome(3, .nan), outcome(5, 0.5)]
        let evaluation = SampleEvaluation(result: EvaluationResult(loss: 0, accuracy: 0, count: 7, confusion: []), samples: outcomes)
        #expect(evaluation.errors.map(\.index) == [3, 9, 0, 2, 1, 4, 5])
        // (Compared by index: NaN is unequal to itself.)
        #expect(outcomes.reversed().sorted { $0.isWorse(than: $1) }.map(\.index) == [3, 9, 0, 2, 1, 4, 5])
    }

    @Test func aLossThatDoesNotClassifyIsRefused() throws {
        let (train, test) = try CheckpointFixtures.data()
        let network = try Network(spec: ModelSpec("conv(1,3,pad=1)"), inputShape: train.sampleShape, classes: 4, loss: MeanSquaredError.self)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: 1)
        #expect(throws: EvaluationError.lossDoesNotClassify(loss: "mean squared error")) {
            try Evaluator(network: network, threads: 1).evaluateSamples(model, on: test)
        }
        #expect(EvaluationError.lossDoesNotClassify(loss: "mean squared error").description
            == "the model's loss, mean squared error, does not classify: there is no predicted class per sample (use a checkpoint trained on class labels)")
    }
}
