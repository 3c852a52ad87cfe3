/// Mean absolute error against an image of the output's shape, PyTorch's `F.l1_loss` with its
/// default mean reduction (`ElementwiseImageLoss`): `term(d) = |d|` and the subgradient
/// `slope(d) = sign(d)`, 0 where `y_ni = t_ni` (PyTorch's choice), so
/// `loss = (1/N) Σ_n (1/D) Σ_i |y_ni − t_ni|`. It does not classify: runs trained with it
/// report no accuracy.
public enum L1Loss: ElementwiseImageLoss {
    public static let name = "l1"
    public static let title = "mean absolute error (L1)"
    public static let option = "l1"

    public static func term(_ difference: Float) -> Double { Double(abs(difference)) }
    public static func slope(_ difference: Float) -> Float { difference > 0 ? 1 : difference < 0 ? -1 : 0 }
}
