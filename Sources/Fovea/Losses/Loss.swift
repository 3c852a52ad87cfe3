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

    /// Why a network ending in `output` cannot be trained with this loss on inputs of shape
    /// `input` with `classes` classes, as a sentence for the spec error; `nil` if it can.
    static func mismatch(output: FeatureShape, input: FeatureShape, classes: Int) -> String?

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

/// What a shard's loss compares with: sample `n`'s class label `labels[n]`, and its target image
/// `images[n · sampleSize ..< (n + 1) · sampleSize]` (the normalised input the network saw, for
/// reconstruction). A loss reads the kind it needs. Valid only during the call that lends it.
/// Safety (`@unchecked Sendable`): the targets are only read, by the shards of one step, while
/// the batch that holds them is lent.
public struct LossTargets: @unchecked Sendable {
    /// `[batch]` class labels.
    public let labels: UnsafePointer<UInt8>
    /// `[batch, C, H, W]` normalised images.
    public let images: UnsafePointer<Float>
    /// Floats per target image, `C · H · W`.
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

/// Per-shard totals of a loss: the summed loss (in `Double`) and the number of correct
/// predictions (0 for a loss that does not classify).
public struct LossTotals: Sendable, Equatable {
    public var loss: Double
    public var correct: Int

    public init(loss: Double = 0, correct: Int = 0) {
        self.loss = loss
        self.correct = correct
    }

    public static func + (a: LossTotals, b: LossTotals) -> LossTotals {
        LossTotals(loss: a.loss + b.loss, correct: a.correct + b.correct)
    }
}
