/// Decodes the Netpbm formats: PBM (`P1` plain, `P4` raw), PGM (`P2`, `P5`) and PPM (`P3`, `P6`),
/// maxval 1…65,535 (two bytes per sample, big-endian, above 255), with `#` comments in the
/// header. Output is 8-bit grayscale: samples scaled to 0…255 (rounded), PBM's 1 (black ink) to 0
/// and 0 to 255, PPM reduced to luma with ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B), as
/// JPEG's Y channel. Written by hand because the format is a short header and a raster, and the
/// system's libnetpbm ends the process on a bad file (`pm_error` calls `exit`), which Fovea's
/// rule of one-line errors forbids.
public enum NetpbmReader {
    /// Reads and decodes the Netpbm file at `path`.
    public static func read(_ path: String) throws -> GrayscaleImage {
        try decode(readImageFile(path, as: ImageError.unreadable), file: path)
    }

    /// Decodes the bytes of a Netpbm file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> GrayscaleImage {
        var parser = Parser(bytes: bytes, file: file)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1") ... UInt8(ascii: "6")).contains(bytes[1]) else {
            throw parser.failure(at: 0, "no Netpbm magic number (P1 to P6)")
        }
        let kind = Int(bytes[1] - UInt8(ascii: "0"))
        parser.offset = 2
        let isBitmap = kind == 1 || kind == 4, isColour = kind == 3 || kind == 6, isPlain = kind <= 3
        let width = try parser.headerNumber("width", in: 1 ... Int(Int32.max))
        let height = try parser.headerNumber("height", in: 1 ... Int(Int32.max))
        let maxval = isBitmap ? 1 : try parser.headerNumber("maxval", in: 1 ... 65_535)
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= PNGFormat.maximumPixels else { throw ImageError.tooLarge(file: file, width: width, height: height) }
        let channels = isColour ? 3 : 1
        // Checked before allocating: every plain sample takes at least one byte of the file, and
        // a raw raster must be there whole (`requireRaster`), so a crafted header cannot make
        // Fovea allocate more than the file can fill.
        if isPlain {
            guard bytes.count - parser.offset >= pixelCount * channels else {
                throw parser.failure(at: parser.offset, "the raster holds fewer than the \(pixelCount * channels) samples the header declares")
            }
        } else {
            // Exactly one whitespace byte separates the header from the raster.
            guard parser.offset < bytes.count, Parser.isSpace(bytes[parser.offset]) else {
                throw parser.failure(at: parser.offset, "expected one whitespace byte before the raster")
            }
            parser.offset += 1
            let rowBytes = isBitmap ? (width + 7) / 8 : width * channels * (maxval > 255 ? 2 : 1)
            try parser.requireRaster(rowBytes * height)
        }

        var samples = [Int](repeating: 0, count: pixelCount * channels)
        if isPlain {
            for index in samples.indices {
                samples[index] = try isBitmap ? parser.plainBit() : parser.plainSample(maxval: maxval)
            }
        } else {
            if isBitmap {
                // Rows of ⌈width / 8⌉ bytes, most significant bit first.
                let rowBytes = (width + 7) / 8
                for y in 0 ..< height {
                    for x in 0 ..< width {
                        samples[y * width + x] = Int(bytes[parser.offset + y * rowBytes + x / 8] >> (7 - x % 8) & 1)
                    }
                }
            } else {
                let sampleBytes = maxval > 255 ? 2 : 1
                for index in samples.indices {
                    let at = parser.offset + index * sampleBytes
                    let value = sampleBytes == 2 ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at])
                    guard value <= maxval else { throw parser.failure(at: at, "sample \(value) exceeds maxval \(maxval)") }
                    samples[index] = value
                }
            }
        }

        var image = GrayscaleImage(width: width, height: height)
        for index in 0 ..< pixelCount {
            let intensity: Double
            if isBitmap {
                intensity = samples[index] == 1 ? 0 : 1
            } else if isColour {
                let (r, g, b) = (samples[3 * index], samples[3 * index + 1], samples[3 * index + 2])
                intensity = (0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)) / Double(maxval)
            } else {
                intensity = Double(samples[index]) / Double(maxval)
            }
            image.pixels[index] = UInt8((intensity * 255).rounded())
        }
        return image
    }

    /// Reads a Netpbm header and plain raster, tracking the byte offset for errors.
    private struct Parser {
        let bytes: [UInt8]
        let file: String
        var offset = 0

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09 ... 0x0D).contains(byte) }

        func failure(at offset: Int, _ reason: String) -> ImageError {
            .corrupt(file: file, format: "Netpbm", reason: "byte \(offset): \(reason)")
        }

        /// Skips whitespace and `#` comments (to the end of the line).
        mutating func skipSpace() {
            while offset < bytes.count {
                if Parser.isSpace(bytes[offset]) {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "#") {
                    while offset < bytes.count && bytes[offset] != 0x0A && bytes[offset] != 0x0D { offset += 1 }
                } else {
                    return
                }
            }
        }

        /// A decimal number in `range`, after whitespace; `field` names it in errors.
        mutating func headerNumber(_ field: String, in range: ClosedRange<Int>) throws(ImageError) -> Int {
            skipSpace()
            let start = offset
            var value = 0
            while offset < bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(bytes[offset]) {
                // Saturates past the range's end; the range check below refuses it.
                value = min(value * 10 + Int(bytes[offset] - UInt8(ascii: "0")), range.upperBound + 1)
                offset += 1
            }
            guard offset > start else {
                throw failure(at: start, offset < bytes.count ? "expected the \(field), a decimal number" : "the file ends before the \(field)")
            }
            guard range.contains(value) else {
                throw failure(at: start, "\(field) \(value > range.upperBound ? "above \(range.upperBound)" : "\(value)") (must be \(range.lowerBound)…\(range.upperBound))")
            }
            return value
        }

        /// One sample of a plain PGM/PPM raster.
        mutating func plainSample(maxval: Int) throws(ImageError) -> Int {
            let start = offset
            let value = try headerNumber("sample", in: 0 ... 65_535)
            guard value <= maxval else { throw failure(at: start, "sample \(value) exceeds maxval \(maxval)") }
            return value
        }

        /// One bit of a plain PBM raster: `0` or `1`, whitespace between them optional.
        mutating func plainBit() throws(ImageError) -> Int {
            skipSpace()
            guard offset < bytes.count else { throw failure(at: offset, "the file ends inside the raster") }
            let byte = bytes[offset]
            guard byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else { throw failure(at: offset, "expected a bit, 0 or 1") }
            offset += 1
            return Int(byte - UInt8(ascii: "0"))
        }

        /// Checks that `count` raster bytes follow `offset` (more are allowed: Netpbm files may
        /// hold several images, of which Fovea reads the first).
        func requireRaster(_ count: Int) throws(ImageError) {
            guard bytes.count - offset >= count else {
                throw failure(at: offset, "the raster holds \(bytes.count - offset) bytes, the header declares \(count)")
            }
        }
    }
}
