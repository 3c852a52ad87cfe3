import Foundation

/// Binary cross-entropy on one logit per sample, PyTorch's `BCEWithLogitsLoss` with its default
/// mean reduction: for logits `z[N, 1]` and labels `y_n ∈ {0, 1}` (two classes: 1 is the
/// positive one) the loss of a sample is `−y·log σ(z) − (1 − y)·log(1 − σ(z))`, computed without
/// forming `σ(z)` as
/// `loss_n = max(z, 0) − z·y + log(1 + exp(−|z|))`
/// (no exponent of a positive number, so nothing overflows at any logit, and `log1p` keeps the
/// small terms), in `Double`; the trainer takes the batch mean. The gradient is
/// `dz_n = (σ(z_n) − y_n) · gradientScale`, with `σ(z) = 1 / (1 + exp(−z))` for `z ≥ 0` and
/// `exp(z) / (1 + exp(z))` below (again no overflow).
///
/// It classifies: the predicted class is 1 where `z > 0` (σ(z) > ½), else 0 (so a logit of
/// exactly 0, or NaN, predicts 0); the class probabilities are `[1 − σ(z), σ(z)]`. The labels are
/// the data's class labels, and there must be exactly two classes (`classCount`).
public enum BinaryCrossEntropy: Loss {
    public static let name = "binary_cross_entropy"
    public static let title = "binary cross-entropy"
    public static let option = "bce"
    public static let classifies = true
    public static let classCount: Int? = 2

    public static var targets: [TrainingTarget] { [.labels] }

    public static func mismatch(output: FeatureShape, target: TrainingTarget, input: FeatureShape, classes: Int) -> String? {
        if output.count != 1 {
            return "binary cross-entropy needs one output (a logit) per sample, but the network ends in \(output) (end it with 'dense(1)')"
        }
        if classes != 2 {
            return "binary cross-entropy tells two classes apart (labels 0 and 1), but there are \(classes) (use 2 classes, or softmax cross-entropy with 'dense(\(classes))')"
        }
        return nil
    }

    public static func evaluate(output logits: UnsafePointer<Float>, outputCount: Int, targets: LossTargets, batch: Int,
                                dOutput dLogits: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals {
        var totals = LossTotals()
        for n in 0 ..< batch {
            let z = Double(logits[n * outputCount])
            let label = Int(targets.labels[n])
            let y: Double = label == 0 ? 0 : 1
            totals.loss += max(z, 0) - z * y + log1p(exp(-abs(z)))
            if predictedClass(output: logits + n * outputCount, count: outputCount) == label { totals.correct += 1 }
            if let dLogits {
                dLogits[n * outputCount] = Float(sigmoid(z) - y) * gradientScale
            }
        }
        return totals
    }

    /// 1 where the logit is above 0, else 0.
    public static func predictedClass(output: UnsafePointer<Float>, count: Int) -> Int {
        output[0] > 0 ? 1 : 0
    }

    public static func classProbability(output: UnsafePointer<Float>, count: Int, of index: Int) -> Double {
        let positive = sigmoid(Double(output[0]))
        return index == 1 ? positive : 1 - positive
    }

    /// `[1 − σ(z), σ(z)]`.
    public static func classProbabilities(output: UnsafePointer<Float>, count: Int, classes: Int) -> [Double] {
        let positive = sigmoid(Double(output[0]))
        return [1 - positive, positive]
    }

    /// `σ(z) = 1 / (1 + exp(−z))`, written so that no exponent is positive.
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }
}
