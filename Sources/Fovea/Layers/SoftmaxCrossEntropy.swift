import Foundation

/// Softmax followed by cross-entropy against integer labels, the loss at the end of every
/// Fovea network. For logits `z[N, classes]`:
/// `loss_n = log Σ_j exp(z_nj) − z_n,label = m + log Σ_j exp(z_nj − m) − z_n,label` with
/// `m = max_j z_nj` (log-sum-exp, so no exponent overflows), and
/// `dz_nj = (softmax(z_n)_j − [j == label]) · gradientScale`, where the trainer passes
/// `1 / batch size` so that the loss is the batch mean.
public enum SoftmaxCrossEntropy {
    /// Per-shard totals: the summed loss (in `Double`) and the number of correct argmax guesses.
    public struct Totals: Sendable, Equatable {
        public var loss: Double
        public var correct: Int
        public init(loss: Double = 0, correct: Int = 0) {
            self.loss = loss
            self.correct = correct
        }
        public static func + (a: Totals, b: Totals) -> Totals {
            Totals(loss: a.loss + b.loss, correct: a.correct + b.correct)
        }
    }

    /// Loss and accuracy for `batch` rows of logits `[batch, classes]`; when `dLogits` is given,
    /// also writes the gradient `[batch, classes]` scaled by `gradientScale`.
    /// The predicted class is the first index of the largest logit.
    public static func evaluate(
        logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, batch: Int, classes: Int,
        dLogits: UnsafeMutablePointer<Float>?, gradientScale: Float
    ) -> Totals {
        var totals = Totals()
        for n in 0 ..< batch {
            let z = logits + n * classes
            let label = Int(labels[n])
            var maxValue = z[0], argmax = 0
            for j in 1 ..< classes where z[j] > maxValue {
                maxValue = z[j]
                argmax = j
            }
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
