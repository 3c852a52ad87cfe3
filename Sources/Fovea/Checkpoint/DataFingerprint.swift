/// What a set of labelled images was, in 40 bytes: the number of samples and the SHA-256 of
/// their height and width (`u32` LE each), pixels `[N, H, W]` and labels `[N]`. A checkpoint
/// keeps one for its training, validation and test sets, so that resuming or evaluating on other
/// data is noticed.
public struct DataFingerprint: Hashable, Sendable {
    public let count: Int
    public let sha256: [UInt8]

    public init(count: Int, sha256: [UInt8]) {
        self.count = count
        self.sha256 = sha256
    }

    /// The fingerprint of `set`; `nil` stands for an empty set (no validation set).
    public init(of set: ImageSet?) {
        guard let set else {
            self.init(count: 0, sha256: SHA256Digest.of([]))
            return
        }
        let shape = [UInt32(set.height).littleEndian, UInt32(set.width).littleEndian]
        let digest = shape.withUnsafeBytes { shapeBytes in
            set.withPixels { pixels in
                set.labels[set.indices].withUnsafeBytes { labels in
                    SHA256Digest.of([shapeBytes, UnsafeRawBufferPointer(pixels), labels])
                }
            }
        }
        self.init(count: set.count, sha256: digest)
    }

    /// The first 12 hexadecimal digits of the digest, for messages.
    public var shortHex: String { String(SHA256Digest.hex(sha256).prefix(12)) }
}
