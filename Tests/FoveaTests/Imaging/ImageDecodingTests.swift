import CTurboJPEG
import Foundation
import Testing
import Fovea

/// JPEG files for the tests, encoded with libjpeg-turbo (the decoder under test is the same
/// library's other half; the tests check Fovea's use of it: sizes, orientation, errors).
enum TestJPEG {
    static func encode(_ image: GrayscaleImage, quality: Int32 = 100) -> [UInt8] {
        guard let handle = tjInitCompress() else { return [] }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_GRAY.rawValue),
                        &buffer, &size, Int32(TJSAMP_GRAY.rawValue), quality, 0)
        }
        defer { tjFree(buffer) }
        guard status == 0, let buffer else { return [] }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    /// `jpeg` with an APP1 Exif segment recording `orientation` inserted after the SOI marker
    /// (TIFF header in `bigEndian` or little-endian order, one IFD entry).
    static func withOrientation(_ jpeg: [UInt8], _ orientation: UInt16, bigEndian: Bool) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        let tiff = (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
        let body = Array("Exif".utf8) + [0, 0] + tiff
        let length = UInt16(body.count + 2)
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body + Array(jpeg.dropFirst(2))
    }
}

@Suite struct ImageDecodingTests {
    static let gradient = GrayscaleImage(width: 24, height: 16, pixels: (0 ..< 24 * 16).map { (index: Int) -> UInt8 in
        UInt8((index % 24) * 10 + index / 24)
    })

    static func expectError(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("accepted: \(message)", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)" == message, sourceLocation: sourceLocation)
        }
    }

    // MARK: PNG: every colour type, bit depth and interlacing

    /// A PNG of any colour type and depth built by hand (rows given already filtered).
    static func png(width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8 = 0, rows: [UInt8], extra: [UInt8] = []) -> [UInt8] {
        HandmadePNG.signature + HandmadePNG.header(width: width, height: height, depth: depth, colour: colour, interlace: interlace)
            + extra + HandmadePNG.chunk("IDAT", HandmadePNG.storedZlib(rows)) + HandmadePNG.chunk("IEND", [])
    }

    @Test func pngOfEveryKindDecodes() throws {
        // 1-bit grayscale: bits 1 0 1 of one byte.
        #expect(try PNGReader.decode(Self.png(width: 3, height: 1, depth: 1, colour: 0, rows: [0, 0b1010_0000]), file: "g1.png").pixels == [255, 0, 255])
        // 16-bit grayscale, taken as sRGB: the high byte (rounded) survives.
        #expect(try PNGReader.decode(Self.png(width: 3, height: 1, depth: 16, colour: 0, rows: [0, 0, 0, 0x80, 0x80, 0xFF, 0xFF]), file: "g16.png").pixels == [0, 128, 255])
        // Truecolour: exact in colour; white and black stay white and black in gray.
        let rgb = Self.png(width: 3, height: 1, depth: 8, colour: 2, rows: [0, 255, 0, 0, 255, 255, 255, 0, 0, 0])
        #expect(try PNGReader.decodeRGB(rgb, file: "rgb.png").pixels == [255, 0, 0, 255, 255, 255, 0, 0, 0])
        let gray = try PNGReader.decode(rgb, file: "rgb.png").pixels
        #expect(gray[1] == 255 && gray[2] == 0 && (60 ... 140).contains(gray[0]))
        // Palette, 2 bits per index.
        let palette = HandmadePNG.chunk("PLTE", [10, 20, 30, 200, 100, 0, 0, 0, 255])
        let indexed = Self.png(width: 3, height: 1, depth: 2, colour: 3, rows: [0, 0b0001_1000], extra: palette)
        #expect(try PNGReader.decodeRGB(indexed, file: "p.png").pixels == [10, 20, 30, 200, 100, 0, 0, 0, 255])
        // Gray with alpha: transparent shows the white background, opaque black stays black,
        // half-transparent black is in between.
        let alpha = Self.png(width: 3, height: 1, depth: 8, colour: 4, rows: [0, 0, 0, 0, 255, 0, 128])
        let composited = try PNGReader.decode(alpha, file: "a.png").pixels
        #expect(composited[0] == 255 && composited[1] == 0 && (100 ... 240).contains(composited[2]))
        // RGBA, 16 bits: an opaque white pixel.
        let rgba16 = Self.png(width: 1, height: 1, depth: 16, colour: 6, rows: [0] + [UInt8](repeating: 255, count: 8))
        #expect(try PNGReader.decodeRGB(rgba16, file: "rgba.png").pixels == [255, 255, 255])
    }

    /// Adam7 interlacing of a 2 × 2 image: pass 1 holds (0, 0), pass 6 holds (0, 1), pass 7 the
    /// second row; passes 2–5 are empty.
    @Test func interlacedPNGDecodes() throws {
        let rows: [UInt8] = [0, 11, 0, 22, 0, 33, 44]
        let image = try PNGReader.decode(Self.png(width: 2, height: 2, depth: 8, colour: 0, interlace: 1, rows: rows), file: "i.png")
        #expect(image.pixels == [11, 22, 33, 44])
    }

    @Test func colourPicturesRoundTripThroughTheFile() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var picture = RGBImage(width: 9, height: 5, fill: RGBColor(hex: 0x123456))
        picture[4, 8] = RGBColor(hex: 0xFEDCBA)
        let path = folder.appendingPathComponent("p.png").path
        try PNGWriter.write(picture, to: path)
        #expect(try PNGReader.readRGB(path) == picture)
    }

    // MARK: JPEG

    @Test func jpegDecodesAndTurnsUpright() throws {
        let image = Self.gradient
        let jpeg = TestJPEG.encode(image)
        let decoded = try JPEGReader.decode(jpeg, file: "g.jpg")
        #expect(decoded.width == 24 && decoded.height == 16)
        #expect(zip(decoded.pixels, image.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 3 })
        for orientation in ExifOrientation.allCases {
            for bigEndian in [true, false] {
                let turned = try JPEGReader.decode(TestJPEG.withOrientation(jpeg, orientation.rawValue, bigEndian: bigEndian), file: "o.jpg")
                #expect(ExifOrientation(jpeg: TestJPEG.withOrientation(jpeg, orientation.rawValue, bigEndian: bigEndian)) == orientation)
                #expect(turned == orientation.upright(decoded))
            }
        }
    }

    /// The eight orientations on a 2 × 3 image, written out: `upright` shows what a viewer shows.
    @Test func orientationsByHand() {
        // 1 2 3
        // 4 5 6
        let stored = GrayscaleImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        let expected: [ExifOrientation: (Int, [UInt8])] = [
            .up: (3, [1, 2, 3, 4, 5, 6]), .mirrored: (3, [3, 2, 1, 6, 5, 4]),
            .upsideDown: (3, [6, 5, 4, 3, 2, 1]), .upsideDownMirrored: (3, [4, 5, 6, 1, 2, 3]),
            .transposed: (2, [1, 4, 2, 5, 3, 6]), .rotatedClockwise: (2, [4, 1, 5, 2, 6, 3]),
            .transverse: (2, [6, 3, 5, 2, 4, 1]), .rotatedCounterclockwise: (2, [3, 6, 2, 5, 1, 4]),
        ]
        for (orientation, (width, pixels)) in expected {
            let upright = orientation.upright(stored)
            #expect(upright.width == width && upright.pixels == pixels, "\(orientation)")
        }
    }

    @Test func damagedJPEGIsRefused() {
        let jpeg = TestJPEG.encode(Self.gradient, quality: 90)
        Self.expectError("t.jpg: corrupt or truncated JPEG: libjpeg-turbo says \"Premature end of JPEG file\" (export the image again)") {
            _ = try JPEGReader.decode(Array(jpeg.prefix(jpeg.count - 40)), file: "t.jpg")
        }
        Self.expectError("t.jpg: corrupt or truncated JPEG: byte 0: no JPEG start-of-image marker (ff d8 ff) (export the image again)") {
            _ = try JPEGReader.decode([1, 2, 3], file: "t.jpg")
        }
        // Garbled Exif blocks are ignored (the tag is advisory), never read out of bounds.
        var garbled = TestJPEG.withOrientation(jpeg, 6, bigEndian: true)
        garbled[16] = 0xFF  // the first IFD's offset now points far outside the segment
        #expect(ExifOrientation(jpeg: garbled) == .up)
        var notTIFF = TestJPEG.withOrientation(jpeg, 6, bigEndian: true)
        notTIFF[15] = 43  // TIFF's magic number is 42
        #expect(ExifOrientation(jpeg: notTIFF) == .up)
        #expect(ExifOrientation(jpeg: Array(garbled.prefix(9))) == .up)
    }

    // MARK: Netpbm

    @Test func netpbmOfEveryKindDecodes() throws {
        func decode(_ text: String, _ raster: [UInt8] = []) throws -> [UInt8] {
            try NetpbmReader.decode(Array(text.utf8) + raster, file: "n.pnm").pixels
        }
        #expect(try decode("P1\n# a comment\n3 1\n1 0 1") == [0, 255, 0])
        #expect(try decode("P1 3 1 101") == [0, 255, 0])
        #expect(try decode("P4 3 1\n", [0b0100_0000]) == [255, 0, 255])
        #expect(try decode("P2 3 1 4\n0 2 4") == [0, 128, 255])
        #expect(try decode("P5 2 1 255\n", [7, 200]) == [7, 200])
        #expect(try decode("P5 2 1 65535\n", [0x80, 0x00, 0xFF, 0xFF]) == [128, 255])
        #expect(try decode("P3 2 1 255\n255 255 255 0 0 0") == [255, 0])
        #expect(try decode("P6 1 1 255\n", [255, 0, 0]) == [76])  // 0.299 · 255 = 76.2
    }

    @Test func damagedNetpbmIsRefusedAtItsByte() {
        func expect(_ bytes: [UInt8], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
            Self.expectError("n.pgm: corrupt or truncated Netpbm: \(reason) (export the image again)", sourceLocation: sourceLocation) {
                _ = try NetpbmReader.decode(bytes, file: "n.pgm")
            }
        }
        expect(Array("P5 2 1 255\n".utf8) + [1], "byte 11: the raster holds 1 bytes, the header declares 2")
        expect(Array("P5 2 x 255\n".utf8), "byte 5: expected the height, a decimal number")
        expect(Array("P5 2 1 70000\n".utf8), "byte 7: maxval above 65535 (must be 1…65535)")
        expect(Array("P5 0 1 255\n".utf8), "byte 3: width 0 (must be 1…2147483647)")
        expect(Array("P2 2 1 9 3 10".utf8), "byte 10: sample 10 exceeds maxval 9")
        expect(Array("P5 2 1 255".utf8), "byte 10: expected one whitespace byte before the raster")
        expect(Array("P1 2 1 12".utf8), "byte 8: expected a bit, 0 or 1")
        expect(Array("P7".utf8), "byte 0: no Netpbm magic number (P1 to P6)")
        Self.expectError("n.pgm: an image of 99999×99999 pixels is larger than Fovea reads (at most 2²⁸ pixels; scale it down)") {
            _ = try NetpbmReader.decode(Array("P5 99999 99999 255\n".utf8), file: "n.pgm")
        }
        // Large headers over short files are refused before anything is allocated.
        expect(Array("P6 16000 16000 65535\n".utf8) + [1, 2], "byte 21: the raster holds 2 bytes, the header declares 1536000000")
        expect(Array("P2 16000 16000 255\n1 2".utf8), "byte 18: the raster holds fewer than the 256000000 samples the header declares")
    }

    // MARK: Recognising files

    @Test func filesAreRecognisedByTheirFirstBytes() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let image = Self.gradient
        let png = try write("digit.jpg", try PNGWriter.encode(image))  // a misleading name
        #expect(try ImageFile.read(png).format == .png)
        #expect(try ImageFile.read(png).images == [image])
        #expect(try ImageFile.read(try write("d.pgm", Array("P5 24 16 255\n".utf8) + image.pixels)).images == [image])
        #expect(try ImageFile.read(try write("d", TestJPEG.encode(image))).format == .jpeg)
        let idx = Fixtures.idx(dimensions: [2, 16, 24], payload: image.pixels + image.pixels.reversed())
        let (format, images) = try ImageFile.read(try write("two.idx", idx))
        #expect(format == .idx && images.count == 2 && images[1].pixels == image.pixels.reversed())
        let text = try write("notes.txt", Array("hello".utf8))
        Self.expectError("\(text): byte 0: not an image Fovea reads (starts 68 65 6c 6c); give a PNG, JPEG, PGM/PPM or IDX file") {
            _ = try ImageFile.read(text)
        }
        Self.expectError("\(folder.path): cannot read: not a regular file") { _ = try ImageFile.read(folder.path) }
        let labels = try write("labels.idx", Fixtures.idx(dimensions: [3], payload: [1, 2, 3]))
        #expect(throws: IDXError.self) { _ = try ImageFile.read(labels) }
    }
}
