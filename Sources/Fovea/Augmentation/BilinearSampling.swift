/// Resampling of a byte image at arbitrary points, with bilinear interpolation and background 0
/// outside the image.
enum BilinearSampling {
    /// Sets `(x[i], y[i])` to the centre of output pixel `i` of an `height × width` image:
    /// `(i mod width, i / width)`.
    static func fillIdentity(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, height: Int, width: Int) {
        for row in 0 ..< height {
            for column in 0 ..< width {
                x[row * width + column] = Float(column)
                y[row * width + column] = Float(row)
            }
        }
    }

    /// `target[i]` = the `source [height, width]` image sampled at `(x[i], y[i])`, for the
    /// `height · width` output pixels; byte scale, 0…255. A point on a pixel centre gives that
    /// pixel's value exactly; pixels outside the image count as 0.
    static func sample(source: UnsafePointer<UInt8>, height: Int, width: Int,
                       x: UnsafePointer<Float>, y: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        // Points further out than one pixel beyond the border all give 0; clamping them there
        // keeps the integer conversion in range whatever the transform.
        let (maxX, maxY) = (Float(width), Float(height))
        @inline(__always) func pixel(_ row: Int, _ column: Int) -> Float {
            row >= 0 && row < height && column >= 0 && column < width ? Float(source[row * width + column]) : 0
        }
        for i in 0 ..< height * width {
            let sx = min(max(x[i], -2), maxX), sy = min(max(y[i], -2), maxY)
            let fx = sx.rounded(.down), fy = sy.rounded(.down)
            let column = Int(fx), row = Int(fy)
            let (ax, ay) = (sx - fx, sy - fy)
            let top = pixel(row, column) * (1 - ax) + pixel(row, column + 1) * ax
            let bottom = pixel(row + 1, column) * (1 - ax) + pixel(row + 1, column + 1) * ax
            target[i] = clampToByteRange(top * (1 - ay) + bottom * ay)
        }
    }
}
