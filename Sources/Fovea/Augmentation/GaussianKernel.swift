import Foundation

/// A normalised 1-D Gaussian, `w[k] ∝ exp(−k² / 2σ²)` for `k` in `−radius … radius` with
/// `radius = ⌈3σ⌉`, summing to 1; and separable smoothing of a 2-D field with it.
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

    /// Smooths `field [height, width]` in place, rows first, then columns, with zero outside the
    /// field. `scratch` holds `height · width` floats. Allocates nothing.
    func smooth(_ field: UnsafeMutablePointer<Float>, height: Int, width: Int, scratch: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { taps in
            let centre = taps.baseAddress! + radius
            // Rows: scratch[y, x] = Σ_k w[k] · field[y, x + k], one tap at a time over the
            // columns it reaches (a contiguous, vectorisable loop).
            for y in 0 ..< height {
                let row = field + y * width, out = scratch + y * width
                out.update(repeating: 0, count: width)
                for k in -min(radius, width - 1) ... min(radius, width - 1) {
                    let weight = centre[k]
                    for x in max(0, -k) ..< min(width, width - k) { out[x] += weight * row[x + k] }
                }
            }
            // Columns: field[y, x] = Σ_k w[k] · scratch[y + k, x], a whole row at a time.
            for y in 0 ..< height {
                let out = field + y * width
                out.update(repeating: 0, count: width)
                for k in max(-radius, -y) ... min(radius, height - 1 - y) {
                    let weight = centre[k], row = scratch + (y + k) * width
                    for x in 0 ..< width { out[x] += weight * row[x] }
                }
            }
        }
    }
}
