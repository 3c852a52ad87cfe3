import Foundation

/// The noise step of augmentation: Gaussian noise of standard deviation `standardDeviation`
/// (a fraction of full scale) added to every pixel of a byte-scale image, which is then clamped
/// back to 0…255.
///
/// Draws (from the sample's noise stream): draw `i` gives the noise of pixels `2i` and `2i + 1`
/// (Box–Muller, both branches, from two 24-bit uniforms).
public struct AdditiveNoise: Hashable, Sendable {
    /// Standard deviation as a fraction of full scale (0.1 = 25.5 intensity levels).
    public let standardDeviation: Double

    public init(standardDeviation: Double) {
        self.standardDeviation = standardDeviation
    }

    /// Adds noise to the `count` byte-scale pixels of `pixels` and clamps them to 0…255.
    func apply(to pixels: UnsafeMutablePointer<Float>, count: Int, stream: RandomStream) {
        let amplitude = Float(standardDeviation * 255)
        var i = 0
        while i < count {
            let bits = stream.bits(UInt64(i / 2))
            // u1 in (0, 1) so that its logarithm is finite; u2 in [0, 1).
            let u1 = (Float(bits >> 40) + 0.5) * (1.0 / 16_777_216.0)
            let u2 = Float((bits >> 8) & 0xFF_FFFF) * (1.0 / 16_777_216.0)
            let radius = amplitude * (-2 * log(u1)).squareRoot()
            let angle = 2 * Float.pi * u2
            pixels[i] = clampToByteRange(pixels[i] + radius * cos(angle))
            if i + 1 < count { pixels[i + 1] = clampToByteRange(pixels[i + 1] + radius * sin(angle)) }
            i += 2
        }
    }
}

/// `value` clamped to the byte scale, 0…255.
@inline(__always)
func clampToByteRange(_ value: Float) -> Float {
    min(max(value, 0), 255)
}
