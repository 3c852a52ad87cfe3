import Foundation
import Testing
import Fovea

/// PNG files built by hand, independently of `PNGWriter`: chunks with a bitwise CRC-32 and image
/// data as a zlib stream of stored (uncompressed) deflate blocks.
enum HandmadePNG {
    /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), one bit at a time.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        bigEndian(UInt32(data.count)) + Array(type.utf8) + data + bigEndian(crc32(Array(type.utf8) + data))
    }

    /// A zlib stream holding `bytes` in one stored block (at most 65,535 bytes).
    static func storedZlib(_ bytes: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        let length = UInt16(bytes.count)
        return [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            + bytes + bigEndian(b << 16 | a)
    }

    static func header(width: Int, height: Int, depth: UInt8 = 8, colour: UInt8 = 0, interlace: UInt8 = 0) -> [UInt8] {
        chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [depth, colour, 0, 0, interlace])
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A whole file: signature, IHDR, ancillary `extra` chunks, one IDAT of `rows`, IEND.
    static func file(width: Int, height: Int, rows: [UInt8], extra: [UInt8] = []) -> [UInt8] {
        signature + header(width: width, height: height) + extra + chunk("IDAT", storedZlib(rows)) + chunk("IEND", [])
    }
}

@Suite struct PNGTests {
    static func pattern(width: Int, height: Int) -> GrayscaleImage {
        GrayscaleImage(width: width, height: height, pixels: (0 ..< width * height).map { UInt8(($0 * 89 + $0 / 7) % 256) })
    }

    @Test(arguments: [(1, 1), (7, 3), (3, 7), (40, 33)])
    func roundTrip(width: Int, height: Int) throws {
        let image = PNGTests.pattern(width: width, height: height)
        let bytes = try PNGWriter.encode(image)
        #expect(Array(bytes.prefix(8)) == HandmadePNG.signature)
        #expect(Array(bytes[8 ..< 33]) == HandmadePNG.header(width: width, height: height))
        #expect(Array(bytes.suffix(12)) == HandmadePNG.chunk("IEND", []))
        #expect(try PNGReader.decode(bytes, file: "round-trip.png") == image)
    }

    /// The writer's file equals, chunk structure and CRCs included, what the format specifies:
    /// its IDAT inflates to the rows with filter byte 0.
    @Test func writerOutputMatchesAHandmadeFile() throws {
        let image = PNGTests.pattern(width: 5, height: 2)
        let written = try PNGWriter.encode(image)
        let rows: [UInt8] = [0] + image.pixels[0 ..< 5] + [0] + image.pixels[5 ..< 10]
        let handmade = HandmadePNG.file(width: 5, height: 2, rows: rows)
        #expect(try PNGReader.decode(handmade, file: "handmade.png") == image)
        // Same header and trailer; only the deflate encoding of IDAT may differ.
        #expect(Array(written.prefix(33)) == Array(handmade.prefix(33)))
        #expect(Array(written.suffix(12)) == Array(handmade.suffix(12)))
    }

    /// Rows filtered with Sub, Up, Average and Paeth (by hand) decode to the original pixels;
    /// an ancillary chunk is skipped.
    @Test func allFiltersDecode() throws {
        let (width, height) = (4, 5)
        let image = PNGTests.pattern(width: width, height: height)
        func pixel(_ y: Int, _ x: Int) -> Int { x >= 0 && y >= 0 ? Int(image[y, x]) : 0 }
        var rows: [UInt8] = []
        for y in 0 ..< height {
            let filter = y  // rows 0…4 use filters 0…4
            rows.append(UInt8(filter))
            for x in 0 ..< width {
                let (a, b, c) = (pixel(y, x - 1), pixel(y - 1, x), pixel(y - 1, x - 1))
                let p = a + b - c
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : (abs(p - b) <= abs(p - c) ? b : c)
                let predictor = [0, a, b, (a + b) / 2, paeth][filter]
                rows.append(UInt8(truncatingIfNeeded: pixel(y, x) - predictor))
            }
        }
        let bytes = HandmadePNG.file(width: width, height: height, rows: rows, extra: HandmadePNG.chunk("tEXt", Array("Comment\0hi".utf8)))
        #expect(try PNGReader.decode(bytes, file: "filters.png") == image)
    }

    /// Every kind of damage is refused with a one-line message naming the file and quoting
    /// libpng, which names the chunk.
    @Test func refusesDamagedFiles() throws {
        let good = try PNGWriter.encode(PNGTests.pattern(width: 6, height: 4))
        func expectError(_ bytes: [UInt8], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try PNGReader.decode(bytes, file: "x.png")
                Issue.record("accepted: \(message)", sourceLocation: sourceLocation)
            } catch {
                #expect("\(error)" == message, sourceLocation: sourceLocation)
            }
        }
        func corrupt(_ reason: String) -> String { "x.png: corrupt or truncated PNG: libpng says \"\(reason)\" (export the image again)" }
        expectError(Array("GIF89a....".utf8), "x.png: byte 0: not a PNG file (expected the signature 89 50 4e 47 0d 0a 1a 0a)")
        expectError(Array(good.prefix(20)), corrupt("read beyond end of data"))
        // Complete image data without the IEND chunk: the pixels are all there, and libpng (like
        // every viewer) shows them.
        #expect(try PNGReader.decode(Array(good.dropLast(12)), file: "x.png") == PNGTests.pattern(width: 6, height: 4))
        var flipped = good
        flipped[20] ^= 0x01  // inside IHDR's data
        expectError(flipped, corrupt("IHDR: CRC error"))
        let short = HandmadePNG.file(width: 2, height: 2, rows: [0, 1, 2, 0, 3])
        expectError(short, corrupt("Not enough image data"))
        let badFilter = HandmadePNG.file(width: 2, height: 2, rows: [0, 1, 2, 5, 3, 4])
        expectError(badFilter, corrupt("bad adaptive filter value"))
        let noData = HandmadePNG.signature + HandmadePNG.header(width: 1, height: 1) + HandmadePNG.chunk("IEND", [])
        expectError(noData, corrupt("IEND: out of place"))
        let unknownCritical = HandmadePNG.signature + HandmadePNG.header(width: 1, height: 1) + HandmadePNG.chunk("ZZZZ", [0])
            + HandmadePNG.chunk("IDAT", HandmadePNG.storedZlib([0, 0])) + HandmadePNG.chunk("IEND", [])
        expectError(unknownCritical, corrupt("ZZZZ: unhandled critical chunk"))
        // Refused from the header, before anything is allocated.
        let huge = HandmadePNG.signature + HandmadePNG.header(width: 70_000, height: 70_000)
            + HandmadePNG.chunk("IDAT", HandmadePNG.storedZlib([0])) + HandmadePNG.chunk("IEND", [])
        expectError(huge, "x.png: byte 16: an image of 70000×70000 pixels is larger than Fovea reads (at most 2²⁸ pixels; scale it down)")
        // Fewer pixels than that, but more than the file's bytes could hold at deflate's best.
        let bomb = HandmadePNG.signature + HandmadePNG.header(width: 16_000, height: 16_000)
            + HandmadePNG.chunk("IDAT", HandmadePNG.storedZlib([0])) + HandmadePNG.chunk("IEND", [])
        expectError(bomb, corrupt("IHDR declares 16000×16000 pixels, more than \(bomb.count) bytes can hold"))
    }

    /// `write` replaces the file whole and leaves no temporary file; an unwritable place is one
    /// line naming the file.
    @Test func writesAtomically() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("grid.png").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let image = PNGTests.pattern(width: 9, height: 2)
        try PNGWriter.write(image, to: path)
        #expect(try PNGReader.read(path) == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["grid.png"])

        let missing = folder.appendingPathComponent("no/such/folder/grid.png").path
        do {
            try PNGWriter.write(image, to: missing)
            Issue.record("wrote into a missing folder")
        } catch {
            #expect("\(error)" == "\(missing): cannot write: creating \(folder.path)/no/such/folder/.grid.png.tmp-\(getpid()): No such file or directory (check that the folder exists and is writable)")
        }
        #expect(throws: PNGError.unreadable(file: missing, reason: "No such file or directory")) { try PNGReader.read(missing) }
    }

    @Test func gridLayout() {
        var grid = ImageGrid(rows: 2, columns: 3, cellHeight: 2, cellWidth: 3, zoom: 2, gap: 1, gapValue: 7)
        #expect(grid.image.width == 3 * 6 + 4 + 2 && grid.image.height == 2 * 4 + 3)
        #expect(ImageGrid.size(rows: 2, columns: 3, cellHeight: 2, cellWidth: 3, zoom: 2, gap: 1) == (24, 11))
        grid.place([0, 10, 20, 30, 40, 255.4], row: 1, column: 2)
        let (x, y) = grid.origin(row: 1, column: 2)
        #expect(x == 1 + 2 * 7 + 2 && y == 1 + 5)
        #expect(grid.image[y, x] == 0 && grid.image[y, x + 1] == 0 && grid.image[y + 1, x + 2] == 10)
        #expect(grid.image[y + 3, x + 5] == 255 && grid.image[y + 2, x] == 30)
        #expect(grid.image[0, 0] == 7 && grid.image[y - 1, x] == 7 && grid.image[y, x - 1] == 7)
    }
}
