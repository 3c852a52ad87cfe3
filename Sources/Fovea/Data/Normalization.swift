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

    /// The normalised value of each byte, `table[b] = (b / 255 − mean) / std` (the reference
    /// for `normalize`).
    public var lookupTable: [Float] {
        (0 ..< 256).map { (Float($0) / 255 - mean) / std }
    }

    /// Normalises `count` pixels: `target[i] = (source[i] / 255 − mean) / std`, 16 at a time, the
    /// same float operations as `lookupTable` (so the same values, bit for bit).
    @inline(__always)
    public func normalize(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<Float>, count: Int) {
        let mean = self.mean, std = self.std
        var i = 0
        while i &+ 16 <= count {
            let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<UInt8>.self)
            let x = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes))
            VectorLanes.store((x / 255 - mean) / std, target + i)
            i &+= 16
        }
        while i < count {
            target[i] = (Float(source[i]) / 255 - mean) / std
            i &+= 1
        }
    }
}
