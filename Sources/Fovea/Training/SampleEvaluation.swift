import Foundation

/// What a classifying model made of one sample: its label, the predicted class (as the loss reads
/// the outputs: the first largest for softmax cross-entropy, logit > 0 for binary cross-entropy;
/// as accuracy and the confusion matrix count it), the probability of that prediction, and the
/// sample's loss.
public struct SampleOutcome: Hashable, Sendable {
    /// The sample's index in the evaluated set (0 its first sample).
    public let index: Int
    public let label: Int
    public let predicted: Int
    /// The probability the loss gives the prediction (`softmax(outputs)[predicted]` for softmax
    /// cross-entropy, `σ(z)` or `1 − σ(z)` for binary cross-entropy): how sure the model was.
    public let probability: Double
    /// The sample's loss under the network's loss (for softmax cross-entropy `−log softmax[label]`),
    /// the very term the evaluation's mean loss adds up.
    public let loss: Double

    public init(index: Int, label: Int, predicted: Int, probability: Double, loss: Double) {
        self.index = index
        self.label = label
        self.predicted = predicted
        self.probability = probability
        self.loss = loss
    }

    /// The outcome of sample `index` from its `classes` outputs and its targets (one sample's),
    /// the prediction and its probability as `loss` reads them (`Loss.predictedClass`,
    /// `Loss.classProbability`), with `loss` evaluated on that sample alone.
    init(index: Int, scores: UnsafePointer<Float>, classes: Int, loss: any Loss.Type, targets: LossTargets) {
        let predicted = loss.predictedClass(output: scores, count: classes)
        self.init(index: index, label: Int(targets.labels[0]), predicted: predicted,
                  probability: loss.classProbability(output: scores, count: classes, of: predicted),
                  loss: loss.evaluate(output: scores, outputCount: classes, targets: targets, batch: 1, dOutput: nil, gradientScale: 0).loss)
    }

    public var isCorrect: Bool { predicted == label }

    /// Whether `self` comes before `other` in a worst-first list: the higher loss first (a NaN
    /// loss before any number), equal losses in index order. A strict total order on outcomes of
    /// distinct indices, so sorting by it gives one result whatever the sort or the input order.
    public func isWorse(than other: SampleOutcome) -> Bool {
        if loss.isNaN != other.loss.isNaN { return loss.isNaN }
        if !loss.isNaN && loss != other.loss { return loss > other.loss }
        return index < other.index
    }
}

/// An evaluation with every sample's outcome: `Evaluator.evaluateSamples`.
public struct SampleEvaluation: Hashable, Sendable {
    /// The aggregate figures, equal (bit for bit) to what `Evaluator.evaluate` returns.
    public let result: EvaluationResult
    /// One outcome per sample, in set order (`samples[i].index == i`).
    public let samples: [SampleOutcome]

    public init(result: EvaluationResult, samples: [SampleOutcome]) {
        self.result = result
        self.samples = samples
    }

    /// The misclassified samples, worst first: highest loss first, ties by index
    /// (`SampleOutcome.isWorse(than:)`).
    public var errors: [SampleOutcome] {
        samples.filter { !$0.isCorrect }.sorted { $0.isWorse(than: $1) }
    }
}

/// Why per-sample results could not be produced.
public enum EvaluationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The network's loss does not classify (it reconstructs images, say): there is no predicted
    /// class per sample.
    case lossDoesNotClassify(loss: String)

    public var description: String {
        switch self {
        case let .lossDoesNotClassify(loss):
            "the model's loss, \(loss), does not classify: there is no predicted class per sample (use a checkpoint trained on class labels)"
        }
    }
}

extension Evaluator {
    /// Evaluates `model` on `set` as `evaluate` does (the same figures, bit for bit), and records
    /// every sample's outcome. Deterministic: the outcomes come in set order and are computed
    /// from the same outputs whatever the number of threads. Throws for a loss that does not
    /// classify.
    public func evaluateSamples(_ model: Model, on set: ImageSet) throws(EvaluationError) -> SampleEvaluation {
        guard network.loss.classifies else { throw .lossDoesNotClassify(loss: network.loss.title) }
        let (result, samples) = run(model, on: set, collectingSamples: true)
        return SampleEvaluation(result: result, samples: samples)
    }
}
