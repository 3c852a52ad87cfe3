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

    /// Floats of scratch memory `sample` needs for an image of `height × width`: the image with a
    /// zero border, one pixel wide on the top and left, two on the bottom and right.
    static func scratchCount(height: Int, width: Int) -> Int { (height + 3) * (width + 3) }

    /// `target[i]` = the `source [height, width]` image sampled at `(x[i], y[i])`, for the
    /// `height · width` output pixels; byte scale, 0…255. A point on a pixel centre gives that
    /// pixel's value exactly; pixels outside the image count as 0. `scratch` holds
    /// `scratchCount(height:width:)` floats. Allocates nothing.
    static func sample(source: UnsafePointer<UInt8>, height: Int, width: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                       into target: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        // The source as floats inside a zero border, so that the four taps need no bounds checks:
        // padded[r + 1, c + 1] = source[r, c] for r in −1…height + 1, c in −1…width + 1.
        let stride = width + 3
        scratch.update(repeating: 0, count: scratchCount(height: height, width: width))
        for row in 0 ..< height {
            for column in 0 ..< width {
                scratch[(row + 1) * stride + column + 1] = Float(source[row * width + column])
            }
        }
        let origin = scratch + stride + 1
        // A point further out than one pixel beyond the border gives 0 like the border itself;
        // clamping it to the border keeps every tap inside the padded image.
        let (maxX, maxY) = (Float(width), Float(height))
        for i in 0 ..< height * width {
            let sx = min(max(x[i], -1), maxX), sy = min(max(y[i], -1), maxY)
            let fx = sx.rounded(.down), fy = sy.rounded(.down)
            let (ax, ay) = (sx - fx, sy - fy)
            let topLeft = origin + Int(fy) * stride + Int(fx)
            let top = topLeft[0] * (1 - ax) + topLeft[1] * ax
            let bottom = topLeft[stride] * (1 - ax) + topLeft[stride + 1] * ax
            target[i] = clampToByteRange(top * (1 - ay) + bottom * ay)
        }
    }
}
