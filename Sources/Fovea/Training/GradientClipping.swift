/// Clipping of the gradient's global L2 norm (`fovea train --clip-grad-norm X`), as PyTorch's
/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm: X)` does it between `backward()` and
/// `optimizer.step()`: with `norm = √(Σ g²)` over every parameter's gradient (the batch-mean
/// gradient the optimizer is handed, all shards summed),
/// ```
/// if norm > X:  g *= X / (norm + 1e-6)      (every element of every tensor, by the same factor)
/// ```
/// before the optimizer adds weight decay to `g` (SGD, Adam) or decays the weights (AdamW).
///
/// Two details differ from PyTorch, neither by more than a rounding of the factor: the norm is
/// summed in `Double` in a fixed order (`GradientNorm`), where PyTorch sums per-tensor `Float`
/// norms; and the factor is applied only when `norm > X`, where PyTorch multiplies by
/// `min(1, X / (norm + 1e-6))` always, which also shrinks, by less than one part in
/// 10⁶ / X, a gradient whose norm lies within 10⁻⁶ below X.
public struct GradientClipping: Hashable, Sendable, CustomStringConvertible {
    /// `X`: the largest norm a step's gradient keeps.
    public let maxNorm: Double

    /// PyTorch's constant added to the norm before dividing.
    public static let epsilon = 1e-6

    /// What `maxNorm` must be, for messages.
    public static let requirement = "a finite number > 0"

    /// Whether `maxNorm` is allowed: finite and positive (0 would zero every gradient).
    public static func accepts(_ maxNorm: Double) -> Bool {
        maxNorm > 0 && maxNorm.isFinite
    }

    /// Clipping to `maxNorm`, or `nil` if `accepts(maxNorm)` says no.
    public init?(maxNorm: Double) {
        guard GradientClipping.accepts(maxNorm) else { return nil }
        self.maxNorm = maxNorm
    }

    /// The factor a gradient of L2 norm `norm` (finite, ≥ 0) is multiplied by: 1 if
    /// `norm ≤ maxNorm`, else `maxNorm / (norm + 1e-6)`, computed in `Double` and rounded to
    /// `Float` once (the gradient's elements are `Float`).
    public func factor(norm: Double) -> Float {
        norm > maxNorm ? Float(maxNorm / (norm + GradientClipping.epsilon)) : 1
    }

    public var description: String { "gradient norm clipped to \(maxNorm)" }

    /// `y[i] = x[i] · factor` for `i < count`, 16 lanes at a time and then one by one with the
    /// same single multiplication per element, so where a block starts never changes a value.
    /// `x` and `y` may be the same buffer.
    static func scale(_ x: UnsafePointer<Float>, by factor: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(x + i) * factor, y + i)
            i &+= 16
        }
        while i < count {
            y[i] = x[i] * factor
            i &+= 1
        }
    }
}
