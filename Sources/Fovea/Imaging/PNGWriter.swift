import CZlib

/// Encodes `GrayscaleImage`s (8-bit grayscale) and `RGBImage`s (8-bit truecolour) as PNG, filter
/// type 0 on every row, one IDAT chunk compressed by zlib, and writes them atomically.
public enum PNGWriter {
    /// The PNG file of `image` (colour type 0, grayscale).
    public static func encode(_ image: GrayscaleImage) throws -> [UInt8] {
        try encode(width: image.width, height: image.height, colourType: 0, channels: 1, pixels: image.pixels)
    }

    /// The PNG file of `image` (colour type 2, truecolour).
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        try encode(width: image.width, height: image.height, colourType: 2, channels: 3, pixels: image.pixels)
    }

    /// Writes `image` as a PNG file at `path`, atomically (`AtomicFile`): an existing file at
    /// `path` is either left as it was or replaced whole.
    public static func write(_ image: GrayscaleImage, to path: String) throws {
        try write(encode(image), to: path)
    }

    /// Writes `image` as a PNG file at `path`, atomically, as `write(_:to:)` for grayscale.
    public static func write(_ image: RGBImage, to path: String) throws {
        try write(encode(image), to: path)
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let .writeFailed(_, reason) {
            throw PNGError.unwritable(file: path, reason: reason)
        }
    }

    /// `pixels [height, width, channels]` as a PNG file of bit depth 8 and `colourType`.
    private static func encode(width: Int, height: Int, colourType: UInt8, channels: Int, pixels: [UInt8]) throws -> [UInt8] {
        var file = PNGFormat.signature
        var header: [UInt8] = []
        PNGFormat.append(UInt32(width), to: &header)
        PNGFormat.append(UInt32(height), to: &header)
        header += [8, colourType, 0, 0, 0]  // bit depth 8, colour type, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &file)
        // Each row: filter type 0 (none), then the row's bytes.
        let rowBytes = width * channels
        var rows = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        for y in 0 ..< height {
            rows.replaceSubrange(y * (rowBytes + 1) + 1 ..< (y + 1) * (rowBytes + 1),
                                 with: pixels[y * rowBytes ..< (y + 1) * rowBytes])
        }
        appendChunk("IDAT", try deflate(rows), to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Appends a chunk: length, type, data, CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        PNGFormat.append(UInt32(data.count), to: &file)
        file += typeBytes
        file += data
        PNGFormat.append(data.withUnsafeBufferPointer { PNGFormat.crc(type: typeBytes, data: $0) }, to: &file)
    }

    /// `bytes` as a zlib stream (what IDAT holds), at zlib's best compression.
    private static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(UInt(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &capacity, source.baseAddress, UInt(source.count), Z_BEST_COMPRESSION)
            }
        }
        guard status == Z_OK else {
            throw PNGError.unwritable(file: "<png>", reason: "zlib compress2 failed (status \(status))")
        }
        return Array(output.prefix(Int(capacity)))
    }
}
