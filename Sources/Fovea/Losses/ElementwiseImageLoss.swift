/// What `MeanSquaredError` and `L1Loss` share: a loss that compares the output `y[N, C, H, W]`
/// with a target `t` of the same shape element by element (`TrainingTarget`: the clean input
/// image, so that the network rebuilds its input; or `[N, 1]`, the label as a number, for a
/// regression), PyTorch's mean reduction:
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

    public static var targets: [TrainingTarget] { [.input, .labels] }

    public static func mismatch(output: FeatureShape, target: TrainingTarget, input: FeatureShape, classes: Int) -> String? {
        switch target {
        case .input:
            output == input ? nil
                : "the network must end in the input's shape \(input) to rebuild it (--target input), but it ends in \(output) "
                + "(end it in \(input.channels) channel\(input.channels == 1 ? "" : "s") of \(input.height)×\(input.width), e.g. with transposed convolutions or upsampling)"
        case .labels:
            output.count == 1 ? nil
                : "a regression on the label's value (--target labels) needs one output per sample, but the network ends in \(output) "
                + "(end it with 'dense(1)', or use --target input to rebuild the input)"
        }
    }

    public static func evaluate(output: UnsafePointer<Float>, outputCount: Int, targets: LossTargets, batch: Int,
                                dOutput: UnsafeMutablePointer<Float>?, gradientScale: Float) -> LossTotals {
        let scale = 1 / Float(outputCount) * gradientScale
        var totals = LossTotals()
        for n in 0 ..< batch {
            let y = output + n * outputCount, t = targets.images + n * targets.sampleSize
            var sum: Double = 0, squares: Double = 0
            for i in 0 ..< outputCount {
                let difference = y[i] - t[i]
                sum += term(difference)
                squares += Double(difference) * Double(difference)
                dOutput?[n * outputCount + i] = slope(difference) * scale
            }
            totals.loss += sum / Double(outputCount)
            totals.squaredError += squares / Double(outputCount)
        }
        return totals
    }
}
