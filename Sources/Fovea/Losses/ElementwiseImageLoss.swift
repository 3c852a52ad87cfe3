/// What `MeanSquaredError` and `L1Loss` share: a loss that compares the output `y[N, C, H, W]`
/// with a target image `t` of the same shape (the normalised input the network saw: the network
/// reconstructs its input) element by element, PyTorch's mean reduction:
/// `loss = (1/N) Σ_n (1/D) Σ_i term(y_ni − t_ni)` with `D = C·H·W`, and
/// `dy_ni = slope(y_ni − t_ni) / D · gradientScale`. A kind states its `term` and `slope`; the
/// loop, the shape check and the reduction are here, once.
public protocol ElementwiseImageLoss: Loss {
    /// One element's loss for the difference `y − t`, summed in `Double`.
    static func term(_ difference: Float) -> Double
    /// Its derivative with respect to `y` (a subgradient where it has none).
    static func slope(_ difference: Float) -> Float
}

extension ElementwiseImageLoss {
    public static var classifies: Bool { false }

    public static func mismatch(output: FeatureShape, input: FeatureShape, classes: Int) -> String? {
        output == input ? nil
            : "the network must end in the input's shape \(input) (it reconstructs its input), but it ends in \(output)"
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
                sum += term(difference)
                dOutput?[n * outputCount + i] = slope(difference) * scale
            }
            totals.loss += sum / Double(outputCount)
        }
        return totals
    }
}
