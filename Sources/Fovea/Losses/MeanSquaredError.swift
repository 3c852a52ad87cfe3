/// Mean squared error against an image of the output's shape, PyTorch's `F.mse_loss` with its
/// default mean reduction: for output `y[N, C, H, W]` and target `t` (the normalised input the
/// network saw: the network reconstructs its input, as an autoencoder does)
/// `loss = (1/N) Σ_n (1/D) Σ_i (y_ni − t_ni)²` with `D = C·H·W`, and
/// `dy_ni = 2 (y_ni − t_ni) / D · gradientScale`.
/// It does not classify: runs trained with it report no accuracy (`fovea train --loss mse`).
public enum MeanSquaredError: Loss {
    public static let name = "mse"
    public static let title = "mean squared error"
    public static let option = "mse"
    public static let classifies = false

    public static func mismatch(output: FeatureShape, input: FeatureShape, classes: Int) -> String? {
        output == input ? nil
            : "the network must end in the input's shape \(input) (it reconstructs its input), but it ends in \(output)"
    }

    public static func evaluate(output: UnsafePointer<Float>, outputCount: Int, targets: LossTargets, batch: Int,
                                dOutput: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals {
        let scale = 2 / Float(outputCount) * gradientScale
        var totals = LossTotals()
        for n in 0 ..< batch {
            let y = output + n * outputCount, t = targets.images + n * targets.sampleSize
            var sum: Double = 0
            for i in 0 ..< outputCount {
                let difference = y[i] - t[i]
                sum += Double(difference) * Double(difference)
                dOutput?[n * outputCount + i] = difference * scale
            }
            totals.loss += sum / Double(outputCount)
        }
        return totals
    }
}
