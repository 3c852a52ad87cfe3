import CZlib

/// Encodes `GrayscaleImage`s as PNG (8-bit grayscale, filter type 0 on every row, one IDAT chunk
/// compressed by zlib) and writes them atomically.
public enum PNGWriter {
    /// The PNG file of `image`.
    public static func encode(_ image: GrayscaleImage) throws -> [UInt8] {
        var file = PNGFormat.signature
        var header: [UInt8] = []
        PNGFormat.append(UInt32(image.width), to: &header)
        PNGFormat.append(UInt32(image.height), to: &header)
        header += [8, 0, 0, 0, 0]  // bit depth 8, grayscale, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &file)
        // Each row: filter type 0 (none), then the row's pixels.
        var rows = [UInt8](repeating: 0, count: image.height * (image.width + 1))
        for y in 0 ..< image.height {
            rows.replaceSubrange(y * (image.width + 1) + 1 ..< (y + 1) * (image.width + 1),
                                 with: image.pixels[y * image.width ..< (y + 1) * image.width])
        }
        appendChunk("IDAT", try deflate(rows), to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Writes `image` as a PNG file at `path`, atomically (`AtomicFile`): an existing file at
    /// `path` is either left as it was or replaced whole.
    public static func write(_ image: GrayscaleImage, to path: String) throws {
        let bytes = try encode(image)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let .writeFailed(_, reason) {
            throw PNGError.unwritable(file: path, reason: reason)
        }
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
