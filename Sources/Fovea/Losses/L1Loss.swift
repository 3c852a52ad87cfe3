/// Mean absolute error against an image of the output's shape, PyTorch's `F.l1_loss` with its
/// default mean reduction: for output `y[N, C, H, W]` and target `t` (the normalised input the
/// network saw, as for `MeanSquaredError`: the network reconstructs its input)
/// `loss = (1/N) Σ_n (1/D) Σ_i |y_ni − t_ni|` with `D = C·H·W`, and the subgradient
/// `dy_ni = sign(y_ni − t_ni) / D · gradientScale`, 0 where `y_ni = t_ni` (PyTorch's choice).
/// It does not classify: runs trained with it report no accuracy.
public enum L1Loss: Loss {
    public static let name = "l1"
    public static let title = "mean absolute error (L1)"
    public static let option = "l1"
    public static let classifies = false

    public static func mismatch(output: FeatureShape, input: FeatureShape, classes: Int) -> String? {
        MeanSquaredError.mismatch(output: output, input: input, classes: classes)
    }

    public static func evaluate(output: UnsafePointer<Float>, outputCount: Int, targets: LossTargets, batch: Int,
                                dOutput: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals {
        let scale = 1 / Float(outputCount) * gradientScale
        var totals = LossTotals()
        for n in 0 ..< batch {
            let y = output + n * outputCount, t = targets.images + n * targets.sampleSize
            var sum: Double = 0
            for i in 0 ..< outputCount {
                let difference = y[i] - t[i]
                sum += Double(abs(difference))
                dOutput?[n * outputCount + i] = difference > 0 ? scale : difference < 0 ? -scale : 0
            }
            totals.loss += sum / Double(outputCount)
        }
        return totals
    }
}
