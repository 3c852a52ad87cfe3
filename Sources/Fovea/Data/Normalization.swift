/// Per-dataset input normalisation, `x = (pixel / 255 − mean) / std`, with the mean and standard
/// deviation of `pixel / 255` over the training images. Stored with the model, so that
/// evaluation normalises exactly as training did.
public struct Normalization: Hashable, Sendable, Codable {
    public var mean: Float
    public var std: Float

    public init(mean: Float, std: Float) {
        self.mean = mean
        self.std = std
    }

    /// The statistics of a set's pixels, computed exactly from their histogram (in `Double`).
    public init(statisticsOf set: ImageSet) {
        let histogram = set.pixelHistogram()
        let total = Double(histogram.reduce(0, +))
        var sum = 0.0, sumOfSquares = 0.0
        for (value, occurrences) in histogram.enumerated() {
            let x = Double(value) / 255
            sum += x * Double(occurrences)
            sumOfSquares += x * x * Double(occurrences)
        }
        let mean = total > 0 ? sum / total : 0
        let variance = total > 0 ? max(sumOfSquares / total - mean * mean, 0) : 0
        self.mean = Float(mean)
        self.std = Float(variance > 1e-12 ? variance.squareRoot() : 1)
    }

    /// The normalised value of each byte, `table[b] = (b / 255 − mean) / std`: normalising a
    /// batch is then one lookup per pixel.
    public var lookupTable: [Float] {
        (0 ..< 256).map { (Float($0) / 255 - mean) / std }
    }

    /// Normalises `count` pixels through `table` (`lookupTable`): `target[i] = table[source[i]]`.
    @inline(__always)
    static func apply(table: UnsafeBufferPointer<Float>, source: UnsafePointer<UInt8>,
                      target: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count { target[i] = table[Int(source[i])] }
    }
}
