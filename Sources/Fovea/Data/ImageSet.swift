/// Labelled single-channel images kept as the bytes of their IDX files: images `[N, H, W]`
/// UInt8, labels `[N]`. Subsets (`--limit`, `--validation`) are ranges over the same storage,
/// never copies; pixels become floats only when a batch is built.
public struct ImageSet: Sendable {
    /// The image file, `[samples, height, width]` ubyte.
    public let images: IDXFile
    /// One label per sample of `images`, each in `0 ..< classes`.
    public let labels: [UInt8]
    public let classes: Int
    /// The samples of the files this set covers.
    public let indices: Range<Int>

    public var count: Int { indices.count }
    public var height: Int { images.dimensions[1] }
    public var width: Int { images.dimensions[2] }
    /// Per-sample shape `[1, H, W]`.
    public var sampleShape: FeatureShape { FeatureShape(channels: 1, height: height, width: width) }

    /// Pairs an image file with a label file, checking layout, counts and label range.
    public init(images: IDXFile, labels labelFile: IDXFile, classes: Int) throws {
        guard images.elementType == .uint8, images.dimensions.count == 3 else {
            throw IDXError.wrongLayout(file: images.path, expected: "ubyte (0x08) images of rank 3 [N, H, W]",
                                       found: "\(images.elementType) of rank \(images.dimensions.count) \(images.dimensions)")
        }
        guard [.uint8, .int8, .int16, .int32].contains(labelFile.elementType), labelFile.dimensions.count == 1 else {
            throw IDXError.wrongLayout(file: labelFile.path, expected: "integer labels of rank 1 [N]",
                                       found: "\(labelFile.elementType) of rank \(labelFile.dimensions.count) \(labelFile.dimensions)")
        }
        guard images.dimensions[0] == labelFile.dimensions[0] else {
            throw IDXError.countMismatch(images: images.path, imageCount: images.dimensions[0],
                                         labels: labelFile.path, labelCount: labelFile.dimensions[0])
        }
        var labels = [UInt8](repeating: 0, count: labelFile.count)
        for i in 0 ..< labelFile.count {
            let value = labelFile.value(at: i)
            guard value >= 0 && value < Double(classes) else {
                throw IDXError.labelOutOfRange(file: labelFile.path, offset: labelFile.payloadOffset + i * labelFile.elementType.size,
                                               index: i, label: Int(value), classes: classes)
            }
            labels[i] = UInt8(value)
        }
        self.images = images
        self.labels = labels
        self.classes = classes
        self.indices = 0 ..< labels.count
    }

    private init(images: IDXFile, labels: [UInt8], classes: Int, indices: Range<Int>) {
        self.images = images
        self.labels = labels
        self.classes = classes
        self.indices = indices
    }

    /// The first `n` samples (all of them if `n ≥ count`).
    public func prefix(_ n: Int) -> ImageSet {
        ImageSet(images: images, labels: labels, classes: classes,
                 indices: indices.lowerBound ..< indices.lowerBound + min(max(n, 0), count))
    }

    /// The last `n` samples (all of them if `n ≥ count`).
    public func suffix(_ n: Int) -> ImageSet {
        ImageSet(images: images, labels: labels, classes: classes,
                 indices: indices.upperBound - min(max(n, 0), count) ..< indices.upperBound)
    }

    /// The label of sample `i` of this set.
    public func label(_ i: Int) -> UInt8 { labels[indices.lowerBound + i] }

    /// Calls `body` with the pixels of the whole set, `[count, H, W]` bytes.
    public func withPixels<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let sampleSize = height * width
        return try images.bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[(images.payloadOffset + indices.lowerBound * sampleSize)...]
                .prefix(count * sampleSize)))
        }
    }

    /// How many times each byte value occurs among the set's pixels.
    public func pixelHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: 256)
        withPixels { pixels in for p in pixels { histogram[Int(p)] += 1 } }
        return histogram
    }
}
