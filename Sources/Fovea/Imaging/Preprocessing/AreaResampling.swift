/// Resizes a grayscale image by area averaging: each output pixel is the mean of the input over
/// the rectangle it covers, input pixels counted by the fraction of them inside it (a box filter
/// of exactly the output pixel's footprint). This is the anti-aliased reduction MNIST's makers
/// describe; for enlargement it reduces to nearest-neighbour with blended seams. Separable: rows
/// first, then columns, in `Double`, rounded to the nearest byte at the end.
public enum AreaResampling {
    /// `image` resized to `width × height` (both at least 1).
    public static func resize(_ image: GrayscaleImage, width: Int, height: Int) -> GrayscaleImage {
        precondition(width >= 1 && height >= 1, "resampling to \(width)×\(height)")
        let columns = weights(from: image.width, to: width), rows = weights(from: image.height, to: height)
        // Horizontal pass: [image.height, width].
        var horizontal = [Double](repeating: 0, count: image.height * width)
        for y in 0 ..< image.height {
            for (x, taps) in columns.enumerated() {
                horizontal[y * width + x] = taps.reduce(0) { $0 + $1.weight * Double(image[y, $1.index]) }
            }
        }
        var result = GrayscaleImage(width: width, height: height)
        for (y, taps) in rows.enumerated() {
            for x in 0 ..< width {
                let value = taps.reduce(0) { $0 + $1.weight * horizontal[$1.index * width + x] }
                result[y, x] = UInt8(min(max(value, 0), 255).rounded())
            }
        }
        return result
    }

    /// For each of `target` output positions along an axis of `source` input pixels: the input
    /// pixels it covers and their weights (the covered fraction of each, normalised to sum to 1).
    static func weights(from source: Int, to target: Int) -> [[(index: Int, weight: Double)]] {
        let scale = Double(source) / Double(target)
        return (0 ..< target).map { output in
            let start = Double(output) * scale, end = Double(output + 1) * scale
            var taps: [(index: Int, weight: Double)] = []
            var index = Int(start)
            while Double(index) < end && index < source {
                let covered = min(end, Double(index + 1)) - max(start, Double(index))
                if covered > 1e-12 { taps.append((index, covered / scale)) }
                index += 1
            }
            return taps
        }
    }
}
