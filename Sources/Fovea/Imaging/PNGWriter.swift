import CZlib
import Foundation

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

    /// Writes `image` as a PNG file at `path`, atomically: to a temporary file in the same
    /// folder, flushed to disk, then renamed over `path`. An existing file at `path` is either
    /// left as it was or replaced whole.
    public static func write(_ image: GrayscaleImage, to path: String) throws {
        let bytes = try encode(image)
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        func failure(_ what: String) -> PNGError {
            PNGError.unwritable(file: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(folder.isEmpty ? "." : folder)") }
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let error = failure("writing the temporary file \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            done += written
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            let error = failure("flushing the temporary file \(temporary)")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("renaming the temporary file \(temporary) into place")
            unlink(temporary)
            throw error
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
