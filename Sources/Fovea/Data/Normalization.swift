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

    /// The formula, on one value of byte scale (0…255): `(x / 255 − mean) / std`.
    @inline(__always)
    func callAsFunction(_ x: Float) -> Float { (x / 255 - mean) / std }

    /// The formula on 16 values at once: the same float operations per lane, so the same values
    /// bit for bit.
    @inline(__always)
    func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { (x / 255 - mean) / std }

    /// The normalised value of each byte, `table[b] = (b / 255 − mean) / std` (the reference
    /// for `normalize`).
    public var lookupTable: [Float] {
        (0 ..< 256).map { self(Float($0)) }
    }

    /// Normalises `count` pixels: `target[i] = (source[i] / 255 − mean) / std`, 16 at a time.
    @inline(__always)
    public func normalize(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<UInt8>.self)
            VectorLanes.store(self(SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes))), target + i)
            i &+= 16
        }
        while i < count {
            target[i] = self(Float(source[i]))
            i &+= 1
        }
    }

    /// Normalises `count` values of byte scale in place (augmented images, which are floats
    /// already), 16 at a time.
    @inline(__always)
    public func normalize(byteScaled values: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(self(VectorLanes.load(values + i)), values + i)
            i &+= 16
        }
        while i < count {
            values[i] = self(values[i])
            i &+= 1
        }
    }
}
