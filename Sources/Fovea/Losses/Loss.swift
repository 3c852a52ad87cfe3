/// A loss: what the network's output is compared with, how, and with which gradient.
///
/// A kind declares its name (in checkpoints), the targets it reads (class labels, or an image of
/// the output's shape such as the input itself for an autoencoder), the output shape it needs,
/// and `evaluate`: the summed loss of a shard and, when asked, the gradient with respect to the
/// output. Whether it classifies (its outputs are class scores, so accuracy and a confusion
/// matrix mean something) is part of the declaration too. The trainer, the evaluator and the
/// checkpoint read it through this protocol and nothing else.
///
/// Adding a loss: one file with a type conforming to this protocol, and its name in
/// `LossRegistry.kinds` (docs/extending.md walks through `MeanSquaredError.swift`).
public protocol Loss: Sendable {
    /// The name in checkpoints (format 3): lower case, stable.
    static var name: String { get }
    /// The name in text output: "softmax cross-entropy".
    static var title: String { get }
    /// The value of `fovea train --loss` that picks this kind: short, lower case ("ce").
    static var option: String { get }
    /// The number of classes this loss works with whatever the data, if it fixes one (binary
    /// cross-entropy: 2); `nil` (the default) if any count from 2 up will do.
    static var classCount: Int? { get }
    /// Whether the outputs are one score per class and the argmax a prediction: the trainer and
    /// evaluator then count correct predictions and fill a confusion matrix.
    static var classifies: Bool { get }

    /// The targets this loss can compare the output with, its default first (`--target`):
    /// `[.labels]` for a classifying loss; `[.input, .labels]` for an element-wise one (an
    /// autoencoder by default, a regression on the label's value with `--target labels`).
    static var targets: [TrainingTarget] { get }

    /// Why a network ending in `output` cannot be trained with this loss against `target` (one
    /// of `targets`) on inputs of shape `input` with `classes` classes, as a sentence for the
    /// spec error; `nil` if it can.
    static func mismatch(output: FeatureShape, target: TrainingTarget, input: FeatureShape, classes: Int) -> String?

    /// The loss of `batch` samples, summed (in `Double`), and for a classifying loss the number
    /// of samples whose largest output is the label (the first largest on ties).
    /// - output: `[batch, outputCount]`, the network's output
    /// - targets: the shard's labels and target images
    /// - dOutput: if given, `[batch, outputCount]`, overwritten with the gradient of the summed
    ///   loss times `gradientScale` (the trainer passes `1 / batch size`: the loss is the batch mean)
    static func evaluate(output: UnsafePointer<Float>, outputCount: Int, targets: LossTargets, batch: Int,
                         dOutput: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals

    /// For a classifying loss, the class one sample's `count` outputs predict, in
    /// `0 ..< classes`: the one `evaluate` counts as correct when it equals the label, and the
    /// confusion matrix and the error gallery show. Default: the first index of the largest
    /// output (one score per class). Allocates nothing (the evaluator calls it per sample).
    static func predictedClass(output: UnsafePointer<Float>, count: Int) -> Int

    /// For a classifying loss, the probability the model gives class `index` of one sample, from
    /// its `count` outputs, in [0, 1]. Default: `softmax(outputs)[index]`, computed in `Double`
    /// with the largest output subtracted first.
    static func classProbability(output: UnsafePointer<Float>, count: Int, of index: Int) -> Double

    /// For a classifying loss, the probability of every class of one sample (`classes` values
    /// that add up to 1), from its `count` outputs, for `fovea predict`. Default: the softmax of
    /// the outputs in `Double` (`exp(z − max z) / Σ exp(z − max z)`), one per output.
    static func classProbabilities(output: UnsafePointer<Float>, count: Int, classes: Int) -> [Double]
}

extension Loss {
    public static var classCount: Int? { nil }

    /// The target a run with this loss compares with when `--target` is not given.
    public static var defaultTarget: TrainingTarget { targets.first ?? .labels }

    /// Why this loss cannot compare with `target` at all, as a sentence naming what to use
    /// instead; `nil` if `target` is one of `targets`.
    public static func refusal(of target: TrainingTarget) -> String? {
        guard !targets.contains(target) else { return nil }
        let others = LossRegistry.kinds.filter { $0.targets.contains(target) }.map { $0.option }
        let accepted = targets.map { $0.description }
        let instead = others.isEmpty ? "" : ", or --loss \(others.joined(separator: " or ")) to compare with \(target.option)"
        return "\(title) compares the output with \(accepted.joined(separator: " or ")), not with \(target.description) "
            + "(use --target \(defaultTarget.option)\(instead))"
    }

    public static func predictedClass(output: UnsafePointer<Float>, count: Int) -> Int {
        ClassScores.argmax(output, count: count)
    }

    public static func classProbability(output: UnsafePointer<Float>, count: Int, of index: Int) -> Double {
        ClassScores.probability(output, count: count, of: index)
    }

    public static func classProbabilities(output: UnsafePointer<Float>, count: Int, classes: Int) -> [Double] {
        ClassScores.softmax(UnsafeBufferPointer(start: output, count: count))
    }
}

/// What a shard's loss compares with: sample `n`'s class label `labels[n]`, and its target tensor
/// `images[n · sampleSize ..< (n + 1) · sampleSize]` (`TrainingTarget.lossTargets`: the clean
/// normalised input for reconstruction, `[1]` holding the label's value for a regression). A
/// loss reads the kind it needs. Valid only during the call that lends it.
/// Safety (`@unchecked Sendable`): the targets are only read, by the shards of one step, while
/// the batch that holds them is lent.
public struct LossTargets: @unchecked Sendable {
    /// `[batch]` class labels.
    public let labels: UnsafePointer<UInt8>
    /// `[batch, sampleSize]` target tensors.
    public let images: UnsafePointer<Float>
    /// Floats per target tensor (`C · H · W` for an image, 1 for a label's value).
    public let sampleSize: Int

    public init(labels: UnsafePointer<UInt8>, images: UnsafePointer<Float>, sampleSize: Int) {
        self.labels = labels
        self.images = images
        self.sampleSize = sampleSize
    }

    /// The targets from sample `first` on.
    public func dropping(_ first: Int) -> LossTargets {
        LossTargets(labels: labels + first, images: images + first * sampleSize, sampleSize: sampleSize)
    }
}

/// Per-shard totals of a loss: the summed loss (in `Double`), the number of correct predictions
/// (0 for a loss that does not classify) and, for an element-wise loss, the summed squared error
/// (each sample's mean of `(y − t)²` over its elements, whatever the loss: an L1 run reports its
/// MSE too).
public struct LossTotals: Sendable, Equatable {
    public var loss: Double
    public var correct: Int
    public var squaredError: Double

    public init(loss: Double = 0, correct: Int = 0, squaredError: Double = 0) {
        self.loss = loss
        self.correct = correct
        self.squaredError = squaredError
    }

    public static func + (a: LossTotals, b: LossTotals) -> LossTotals {
        LossTotals(loss: a.loss + b.loss, correct: a.correct + b.correct, squaredError: a.squaredError + b.squaredError)
    }

    /// 64-bit words of `write(_:)`: the totals as bits, to move between processes unchanged.
    public static let wordCount = 3

    /// The totals' bits into `words[0 ..< wordCount]`.
    public func write(_ words: UnsafeMutableBufferPointer<UInt64>) {
        words[0] = loss.bitPattern
        words[1] = UInt64(bitPattern: Int64(correct))
        words[2] = squaredError.bitPattern
    }

    /// The totals `write(_:)` wrote.
    public init(words: UnsafeBufferPointer<UInt64>) {
        self.init(loss: Double(bitPattern: words[0]), correct: Int(Int64(bitPattern: words[1])), squaredError: Double(bitPattern: words[2]))
    }
}
