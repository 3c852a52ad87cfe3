/// Mean squared error against an image of the output's shape, PyTorch's `F.mse_loss` with its
/// default mean reduction (`ElementwiseImageLoss`): `term(d) = d²`, `slope(d) = 2d`, so
/// `loss = (1/N) Σ_n (1/D) Σ_i (y_ni − t_ni)²` and `dy_ni = 2 (y_ni − t_ni) / D · gradientScale`.
/// It does not classify: runs trained with it report no accuracy (`fovea train --loss mse`).
public enum MeanSquaredError: ElementwiseImageLoss {
    public static let name = "mse"
    public static let title = "mean squared error"
    public static let option = "mse"

    public static func term(_ difference: Float) -> Double { Double(difference) * Double(difference) }
    public static func slope(_ difference: Float) -> Float { 2 * difference }
}
