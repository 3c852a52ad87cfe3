import Foundation

/// A 2-D affine map of an `H × W` image about its centre, stored the way resampling uses it:
/// from an output pixel's coordinates to the source coordinates it samples.
///
/// Coordinates are in pixels, `x` to the right (column), `y` down (row), pixel `(row, column)`
/// centred at `(x, y) = (column, row)`; the centre is `c = ((W − 1)/2, (H − 1)/2)`. The content
/// moves by `q = c + M (p − c) + t` with `M = R(rotation) · Shear · scale`, where
/// `R(θ) = [[cos θ, sin θ], [−sin θ, cos θ]]` turns the content counterclockwise as displayed
/// (y down), `Shear = [[1, tan φ], [0, 1]]` moves rows sideways in proportion to their height,
/// and `t` is the shift. The stored map is the inverse, `p = c + M⁻¹ (q − c − t)`.
public struct AffineTransform: Hashable, Sendable {
    /// `source.x = xx · x + xy · y + x0`, `source.y = yx · x + yy · y + y0` for an output
    /// pixel at `(x, y)`.
    public let xx: Float, xy: Float, x0: Float
    public let yx: Float, yy: Float, y0: Float

    /// The map that rotates by `rotationDegrees` (counterclockwise as displayed), scales by
    /// `scale` (> 0), shears by `shearDegrees` and then shifts by `(translationX, translationY)`
    /// pixels, about the centre of an image of `height × width` pixels. Computed in `Double`.
    public init(rotationDegrees: Double = 0, scale: Double = 1, shearDegrees: Double = 0,
                translationX: Double = 0, translationY: Double = 0, height: Int, width: Int) {
        let theta = rotationDegrees * Double.pi / 180
        let (c, s) = (cos(theta), sin(theta))
        let k = tan(shearDegrees * Double.pi / 180)
        // M = R · Shear · scale.
        let m11 = c * scale, m12 = (c * k + s) * scale
        let m21 = -s * scale, m22 = (-s * k + c) * scale
        let determinant = m11 * m22 - m12 * m21  // = scale², positive for scale > 0
        let i11 = m22 / determinant, i12 = -m12 / determinant
        let i21 = -m21 / determinant, i22 = m11 / determinant
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        // p = c + M⁻¹ (q − c − t) = M⁻¹ q + (c − M⁻¹ (c + t)).
        let (ux, uy) = (cx + translationX, cy + translationY)
        xx = Float(i11)
        xy = Float(i12)
        x0 = Float(cx - (i11 * ux + i12 * uy))
        yx = Float(i21)
        yy = Float(i22)
        y0 = Float(cy - (i21 * ux + i22 * uy))
    }

    /// Replaces each of the `count` points `(x[i], y[i])` by the source point it samples.
    @inline(__always)
    func map(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count {
            let (px, py) = (x[i], y[i])
            x[i] = xx * px + xy * py + x0
            y[i] = yx * px + yy * py + y0
        }
    }
}
