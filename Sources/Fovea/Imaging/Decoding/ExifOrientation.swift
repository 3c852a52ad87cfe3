/// The EXIF orientation of a JPEG (TIFF tag 274 in the APP1 "Exif" segment): how the stored
/// pixels must be turned to show the picture upright. Values 1…8 as the EXIF standard numbers
/// them. A file without the tag, or with an EXIF block Fovea cannot follow, is taken as upright
/// (`.up`), as image viewers do; the tag is advisory.
public enum ExifOrientation: UInt16, Sendable, CaseIterable {
    case up = 1, mirrored = 2, upsideDown = 3, upsideDownMirrored = 4
    case transposed = 5, rotatedClockwise = 6, transverse = 7, rotatedCounterclockwise = 8

    /// The orientation recorded in the JPEG file `bytes`.
    public init(jpeg bytes: [UInt8]) {
        self = ExifOrientation.tag(in: bytes).flatMap(ExifOrientation.init(rawValue:)) ?? .up
    }

    /// `image` turned upright: rotated by 90° steps and/or mirrored.
    public func upright(_ image: GrayscaleImage) -> GrayscaleImage {
        let (h, w) = (image.height, image.width)
        let swaps = rawValue >= 5
        var result = GrayscaleImage(width: swaps ? h : w, height: swaps ? w : h)
        for r in 0 ..< result.height {
            for c in 0 ..< result.width {
                // The stored pixel shown at (r, c).
                let (sr, sc) = switch self {
                case .up: (r, c)
                case .mirrored: (r, w - 1 - c)
                case .upsideDown: (h - 1 - r, w - 1 - c)
                case .upsideDownMirrored: (h - 1 - r, c)
                case .transposed: (c, r)
                case .rotatedClockwise: (h - 1 - c, r)
                case .transverse: (h - 1 - c, w - 1 - r)
                case .rotatedCounterclockwise: (c, w - 1 - r)
                }
                result[r, c] = image[sr, sc]
            }
        }
        return result
    }

    /// The value of tag 274 in the first APP1 Exif segment before the image data, if any. Every
    /// read is bounds-checked; anything malformed gives `nil`.
    static func tag(in bytes: [UInt8]) -> UInt16? {
        func u16(_ at: Int, bigEndian: Bool = true) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return bigEndian ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at + 1]) << 8 | Int(bytes[at])
        }
        func u32(_ at: Int, bigEndian: Bool) -> Int? {
            guard let high = u16(bigEndian ? at : at + 2, bigEndian: bigEndian),
                  let low = u16(bigEndian ? at + 2 : at, bigEndian: bigEndian) else { return nil }
            return high << 16 | low
        }
        var offset = 2  // after the start-of-image marker
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            // Start of scan or end of image: no metadata follows.
            guard marker != 0xDA, marker != 0xD9, let length = u16(offset + 2), length >= 2 else { return nil }
            let body = offset + 4, end = offset + 2 + length
            guard end <= bytes.count else { return nil }
            if marker == 0xE1, end - body >= 14, Array(bytes[body ..< body + 6]) == Array("Exif\0\0".utf8) {
                let tiff = body + 6
                let bigEndian: Bool
                switch (bytes[tiff], bytes[tiff + 1]) {
                case (0x4D, 0x4D): bigEndian = true  // "MM"
                case (0x49, 0x49): bigEndian = false  // "II"
                default: return nil
                }
                guard u16(tiff + 2, bigEndian: bigEndian) == 42,
                      let firstIFD = u32(tiff + 4, bigEndian: bigEndian), firstIFD < end - tiff,
                      let entries = u16(tiff + firstIFD, bigEndian: bigEndian) else { return nil }
                for entry in 0 ..< entries {
                    let at = tiff + firstIFD + 2 + 12 * entry
                    guard at + 12 <= end, let tag = u16(at, bigEndian: bigEndian) else { return nil }
                    // Tag 274, type SHORT (3), count 1: the value sits in the entry itself.
                    if tag == 0x0112 {
                        guard u16(at + 2, bigEndian: bigEndian) == 3, let value = u16(at + 8, bigEndian: bigEndian) else { return nil }
                        return UInt16(value)
                    }
                }
                return nil
            }
            offset = end
        }
        return nil
    }
}
