import Foundation

/// A normalised 1-D Gaussian, `w[k] ∝ exp(−k² / 2σ²)` for `k` in `−radius … radius` with
/// `radius = ⌈3σ⌉`, summing to 1; and the 1-D pass of separable smoothing with it.
///
/// Taps further than an image's larger side minus one can only ever meet the zero padding, so
/// they are dropped at construction (`maximumRadius`): smoothing cost stays bounded for any σ.
public struct GaussianKernel: Hashable, Sendable {
    /// Standard deviation, in pixels.
    public let sigma: Double
    /// Taps kept on each side of the centre.
    public let radius: Int
    /// `2 · radius + 1` weights, centre at index `radius`.
    public let weights: [Float]

    /// A kernel of standard deviation `sigma` (> 0) pixels, keeping at most `maximumRadius`
    /// taps on each side.
    public init(sigma: Double, maximumRadius: Int) {
        self.sigma = sigma
        let fullRadius = max(Int((3 * sigma).rounded(.up)), 1)
        let full = (-fullRadius ... fullRadius).map { k in exp(-Double(k * k) / (2 * sigma * sigma)) }
        let total = full.reduce(0, +)
        radius = min(fullRadius, max(maximumRadius, 0))
        weights = full[(fullRadius - radius) ... (fullRadius + radius)].map { Float($0 / total) }
    }

    /// One pass of the separable smoothing along a strided line of a padded field:
    /// `output[i] = Σ_k weights[radius + k] · input[i + k · step]` for `i` in `0 ..< count`, the
    /// taps added in the order `k = −radius … radius`. `input[i + k · step]` must be readable for
    /// every `i` and `|k| ≤ radius` (the caller's zero padding). Each tap is one contiguous,
    /// vectorisable loop over the whole span; allocates nothing.
    func convolve(_ input: UnsafePointer<Float>, step: Int, into output: UnsafeMutablePointer<Float>, count: Int) {
        weights.withUnsafeBufferPointer { taps in
            output.update(repeating: 0, count: count)
            for k in -radius ... radius {
                let weight = taps[radius + k], source = input + k * step
                for i in 0 ..< count { output[i] += weight * source[i] }
            }
        }
    }
}
