import Foundation

/// Softmax followed by cross-entropy against integer labels, PyTorch's `F.cross_entropy` on
/// logits. For logits `z[N, classes]`:
/// `loss_n = log Σ_j exp(z_nj) − z_n,label = m + log Σ_j exp(z_nj − m) − z_n,label` with
/// `m = max_j z_nj` (log-sum-exp, so no exponent overflows), and
/// `dz_nj = (softmax(z_n)_j − [j == label]) · gradientScale`.
/// The predicted class is the first index of the largest logit.
public enum SoftmaxCrossEntropy: Loss {
    public static let name = "softmax_cross_entropy"
    public static let title = "softmax cross-entropy"
    public static let option = "ce"
    public static let classifies = true

    /// The name these totals had before losses shared one protocol.
    public typealias Totals = LossTotals

    public static var targets: [TrainingTarget] { [.labels] }

    public static func mismatch(output: FeatureShape, target: TrainingTarget, input: FeatureShape, classes: Int) -> String? {
        if output.isFlat && output.count == classes { return nil }
        let message = "the network must end in \(classes) values (one logit per class), e.g. 'flatten dense(\(classes))', but it ends in \(output)"
        // One logit with more than two classes: the network was meant for binary cross-entropy.
        return output.count == 1 ? message + " (one logit is for binary cross-entropy on two classes: --loss bce)" : message
    }

    public static func evaluate(output logits: UnsafePointer<Float>, outputCount classes: Int, targets: LossTargets, batch: Int,
                                dOutput dLogits: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals {
        var totals = LossTotals()
        for n in 0 ..< batch {
            let z = logits + n * classes
            let label = Int(targets.labels[n])
            let argmax = ClassScores.argmax(z, count: classes)
            let maxValue = z[argmax]
            var sum: Double = 0
            for j in 0 ..< classes { sum += exp(Double(z[j] - maxValue)) }
            let logSum = log(sum)
            totals.loss += Double(maxValue) + logSum - Double(z[label])
            if argmax == label { totals.correct += 1 }
            if let dLogits {
                let dz = dLogits + n * classes
                for j in 0 ..< classes {
                    let probability = Float(exp(Double(z[j] - maxValue) - logSum))
                    dz[j] = (probability - (j == label ? 1 : 0)) * gradientScale
                }
            }
        }
        return totals
    }
}

/// Reading one sample's class scores (one per class): the defaults of `Loss.predictedClass`,
/// `Loss.classProbability` and `Loss.classProbabilities`.
enum ClassScores {
    /// The first index of the largest of `count` scores.
    static func argmax(_ scores: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for j in 1 ..< max(count, 1) where scores[j] > scores[best] { best = j }
        return best
    }

    /// `softmax(scores)[index]` of `count` scores, in `Double` and with the largest score
    /// subtracted first, as `SoftmaxCrossEntropy` computes it.
    static func probability(_ scores: UnsafePointer<Float>, count: Int, of index: Int) -> Double {
        let largest = scores[argmax(scores, count: count)]
        var sum: Double = 0
        for j in 0 ..< count { sum += exp(Double(scores[j] - largest)) }
        return exp(Double(scores[index] - largest) - log(sum))
    }

    /// `exp(z − max z) / Σ exp(z − max z)` in `Double`.
    static func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Double] {
        let top = Double(logits.max() ?? 0)
        let exponentials = logits.map { exp(Double($0) - top) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }
}
