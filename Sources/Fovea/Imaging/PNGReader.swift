import CZlib
import Foundation

/// Decodes PNG files of the kind `PNGWriter` writes, and any other 8-bit grayscale,
/// non-interlaced PNG (all five row filters). Every chunk's CRC is checked; ancillary chunks
/// are skipped; anything else is refused with a `PNGError` naming the byte offset.
public enum PNGReader {
    /// Reads and decodes the PNG file at `path`.
    public static func read(_ path: String) throws -> GrayscaleImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PNGError.unreadable(file: path, reason: "no such file, or not readable")
        }
        return try decode([UInt8](data), file: path)
    }

    /// Decodes the bytes of a PNG file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> GrayscaleImage {
        guard bytes.starts(with: PNGFormat.signature) else { throw PNGError.notPNG(file: file) }
        var offset = PNGFormat.signature.count
        var size: (width: Int, height: Int)?
        var compressed: [UInt8] = []
        var firstDataOffset: Int?
        while true {
            guard bytes.count - offset >= 12 else { throw PNGError.truncated(file: file, offset: offset) }
            let length = Int(PNGFormat.uint32(bytes, at: offset))
            let type = Array(bytes[offset + 4 ..< offset + 8])
            let name = String(decoding: type, as: UTF8.self)
            guard length <= PNGFormat.maximumChunkLength, type.allSatisfy({ (65 ... 90).contains($0) || (97 ... 122).contains($0) }) else {
                throw PNGError.malformed(file: file, offset: offset, reason: "not a chunk header (length \(length), type \(type))")
            }
            guard bytes.count - offset - 12 >= length else { throw PNGError.truncated(file: file, offset: offset) }
            let data = bytes[offset + 8 ..< offset + 8 + length]
            let stored = PNGFormat.uint32(bytes, at: offset + 8 + length)
            guard data.withUnsafeBufferPointer({ PNGFormat.crc(type: type, data: $0) }) == stored else {
                throw PNGError.badChecksum(file: file, offset: offset, chunk: name)
            }
            if size == nil && name != "IHDR" {
                throw PNGError.malformed(file: file, offset: offset, reason: "the first chunk is \(name), expected IHDR")
            }
            switch name {
            case "IHDR":
                guard size == nil else { throw PNGError.malformed(file: file, offset: offset, reason: "a second IHDR chunk") }
                size = try header(Array(data), file: file, offset: offset)
            case "IDAT":
                if firstDataOffset == nil { firstDataOffset = offset }
                compressed += data
            case "IEND":
                let end = offset + 12 + length
                guard end == bytes.count else {
                    throw PNGError.malformed(file: file, offset: end, reason: "\(bytes.count - end) byte\(bytes.count - end == 1 ? "" : "s") after the IEND chunk")
                }
                guard let size, let firstDataOffset else {
                    throw PNGError.malformed(file: file, offset: offset, reason: "no IDAT chunk before IEND")
                }
                let rows = try inflate(compressed, expected: size.height * (size.width + 1), file: file, offset: firstDataOffset)
                return try unfilter(rows, width: size.width, height: size.height, file: file, offset: firstDataOffset)
            default:
                // Bit 5 of the first letter clear (upper case): a critical chunk we cannot skip.
                if type[0] & 0x20 == 0 {
                    throw PNGError.unsupported(file: file, offset: offset, feature: "critical chunk \(name)")
                }
            }
            offset += 12 + length
        }
    }

    /// Width and height from an IHDR chunk's data, after checking that the image is 8-bit
    /// grayscale, non-interlaced, of a size Fovea reads.
    private static func header(_ data: [UInt8], file: String, offset: Int) throws -> (width: Int, height: Int) {
        guard data.count == 13 else {
            throw PNGError.malformed(file: file, offset: offset, reason: "IHDR holds \(data.count) bytes, expected 13")
        }
        let width = Int(PNGFormat.uint32(data, at: 0)), height = Int(PNGFormat.uint32(data, at: 4))
        guard width >= 1 && height >= 1 && width <= PNGFormat.maximumChunkLength && height <= PNGFormat.maximumChunkLength else {
            throw PNGError.malformed(file: file, offset: offset + 8, reason: "image size \(width)×\(height) (both must be 1…2³¹−1)")
        }
        guard width * height <= PNGFormat.maximumPixels else {
            throw PNGError.unsupported(file: file, offset: offset + 8, feature: "an image of \(width)×\(height) pixels (more than 2²⁸)")
        }
        guard data[8] == 8 && data[9] == 0 else {
            throw PNGError.unsupported(file: file, offset: offset + 16, feature: "bit depth \(data[8]) with colour type \(data[9])")
        }
        guard data[10] == 0 && data[11] == 0 else {
            throw PNGError.malformed(file: file, offset: offset + 18, reason: "compression method \(data[10]), filter method \(data[11]) (both must be 0)")
        }
        guard data[12] == 0 else {
            throw PNGError.unsupported(file: file, offset: offset + 20, feature: "interlace method \(data[12])")
        }
        return (width, height)
    }

    /// The zlib stream of the IDAT chunks inflated; it must give exactly `expected` bytes.
    private static func inflate(_ compressed: [UInt8], expected: Int, file: String, offset: Int) throws -> [UInt8] {
        // One spare byte tells "exactly expected" from "more than expected".
        var output = [UInt8](repeating: 0, count: expected + 1)
        var produced = UInt(output.count)
        let status = output.withUnsafeMutableBufferPointer { target in
            compressed.withUnsafeBufferPointer { source in
                uncompress(target.baseAddress, &produced, source.baseAddress, UInt(source.count))
            }
        }
        // uncompress: Z_BUF_ERROR when the output is full (more data than expected), Z_DATA_ERROR
        // when the stream is corrupt or incomplete.
        if status == Z_OK && Int(produced) == expected { return Array(output.prefix(expected)) }
        let reason = if status == Z_BUF_ERROR || Int(produced) > expected {
            "the image data holds more than the \(expected) bytes the header declares"
        } else if status == Z_OK {
            "the image data holds \(produced) bytes, the header declares \(expected)"
        } else {
            "corrupt or incomplete compressed image data (zlib status \(status))"
        }
        throw PNGError.malformed(file: file, offset: offset, reason: reason)
    }

    /// Undoes the row filters (PNG filter method 0, one byte per pixel).
    private static func unfilter(_ rows: [UInt8], width: Int, height: Int, file: String, offset: Int) throws -> GrayscaleImage {
        var image = GrayscaleImage(width: width, height: height)
        for y in 0 ..< height {
            let filter = rows[y * (width + 1)]
            let line = y * (width + 1) + 1
            for x in 0 ..< width {
                // a: left, b: above, c: above-left (0 outside the image).
                let a = x > 0 ? Int(image[y, x - 1]) : 0
                let b = y > 0 ? Int(image[y - 1, x]) : 0
                let c = x > 0 && y > 0 ? Int(image[y - 1, x - 1]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default:
                    throw PNGError.malformed(file: file, offset: offset, reason: "row \(y) has filter type \(filter) (expected 0…4)")
                }
                image[y, x] = UInt8(truncatingIfNeeded: Int(rows[line + x]) + predictor)
            }
        }
        return image
    }
}
