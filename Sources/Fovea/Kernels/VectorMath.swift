// Transcendental functions on 16 floats at a time, for the activations. Written with plain
// vector arithmetic (no table, no libm call), so the result of each lane depends only on its
// input: the same on every machine, whatever lane or tail position a value lands in.

/// `exp` and `expm1` on `SIMD16<Float>`, accurate to about 2 ulp over the float range.
enum VectorMath {
    /// 1.5 · 2²³: adding it to a float of magnitude below 2²² rounds it to a whole number, which
    /// then sits in the low bits of the sum's significand.
    private static let roundingShift: Float = 12_582_912

    /// `eˣ`. Inputs below −87.3 give the smallest normal float (about 1.2e−38) instead of a
    /// subnormal or 0, inputs above 88.7 the largest value below infinity; NaN stays NaN.
    ///
    /// `x = k · ln 2 + r` with `k` whole and `|r| ≤ ln 2 / 2` (ln 2 split in a high part exact in
    /// float and a low correction), `eʳ` by its Taylor polynomial to degree 7 (remainder below
    /// `r⁸/8! < 6e−9` relative), and `2ᵏ` built from its exponent bits.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let lowest = SIMD16<Float>(repeating: -87.3), highest = SIMD16<Float>(repeating: 88.7)
        var clamped = x.replacing(with: lowest, where: x .< lowest)
        clamped.replace(with: highest, where: clamped .> highest)
        let shift = SIMD16<Float>(repeating: roundingShift)
        let shifted = clamped * 1.442_695_04 + shift          // log₂e
        let k = shifted - shift
        let r = clamped - k * 0.693_145_752 - k * 1.428_606_8e-6 // ln 2 = 0.693145752 + 1.4286068e−6
        var p = SIMD16<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // k is in the low bits of `shifted`; its integer difference from the shift's bits is k.
        let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(shift, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (p * scale).replacing(with: x, where: x .!= x)
    }

    /// `eˣ − 1`, without the cancellation of `exp(x) − 1` near 0: for `|x| < 1/4` the Taylor
    /// polynomial `x + x²/2! + … + x⁸/8!` (remainder below `x⁹/9! < 1e−11` relative to x).
    @inline(__always)
    static func expm1(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var p = SIMD16<Float>(repeating: 1.0 / 40320)
        p = p * x + 1.0 / 5040
        p = p * x + 1.0 / 720
        p = p * x + 1.0 / 120
        p = p * x + 1.0 / 24
        p = p * x + 1.0 / 6
        p = p * x + 0.5
        p = p * x * x + x
        let small = magnitude(x) .< 0.25
        return (exp(x) - 1).replacing(with: p, where: small)
    }

    /// `tanh x`: `1 − 2 / (e²ˣ + 1)` with the sign of x, and for `|x| < 1/4` the Taylor
    /// polynomial `x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835` (remainder below 2e−9 relative),
    /// where that difference would cancel.
    @inline(__always)
    static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let magnitude = magnitude(x)
        let large = 1 - 2 / (exp(2 * magnitude) + 1)
        let z = x * x
        var p = SIMD16<Float>(repeating: 62.0 / 2835)
        p = p * z - 17.0 / 315
        p = p * z + 2.0 / 15
        p = p * z - 1.0 / 3
        let small = p * z * x + x
        let signed = large.replacing(with: -large, where: x .< 0)
        return signed.replacing(with: small, where: magnitude .< 0.25)
    }

    /// `|x|`, by clearing the sign bits.
    @inline(__always)
    static func magnitude(_ x: SIMD16<Float>) -> SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: SIMD16<Float>.self)
    }

    /// `1 / (1 + e⁻ˣ)`, computed from `e^−|x|` (never overflows): `1 / (1 + e)` for x ≥ 0,
    /// `e / (1 + e)` below.
    @inline(__always)
    static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let e = exp(-magnitude(x))
        let positive = 1 / (1 + e)
        return positive.replacing(with: e * positive, where: x .< 0)
    }
}
