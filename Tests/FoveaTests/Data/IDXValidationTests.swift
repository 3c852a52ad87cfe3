import Foundation
import Testing
import Fovea

/// Every validation rule of the IDX reader, each with a small broken file and the exact message.
@Suite struct IDXValidationTests {
    /// A valid 2 × 3 × 2 ubyte image file (28 bytes).
    static let good = Fixtures.idx(dimensions: [2, 3, 2], payload: Array(1 ... 12))

    func message(_ bytes: [UInt8], _ name: String = "f-idx3-ubyte") -> String {
        do {
            _ = try IDXFile(fileBytes: bytes, path: name)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsAValidFile() throws {
        let file = try IDXFile(fileBytes: IDXValidationTests.good, path: "good")
        #expect(file.elementType == .uint8 && file.dimensions == [2, 3, 2] && file.payloadOffset == 16)
        #expect(file.value(at: 11) == 12)
        #expect(!file.wasCompressed)
    }

    /// Every element type, big-endian, any rank.
    /// `IDXFile.encode` writes what the reader accepts: the same bytes as the fixture's builder,
    /// read back with their dimensions and payload, raw and gzip-compressed.
    @Test func encodeRoundTrips() throws {
        let payload = (0 ..< 2 * 3 * 5).map { UInt8($0 * 7 % 256) }
        let bytes = IDXFile.encode(dimensions: [2, 3, 5], payload: payload)
        #expect(bytes == Fixtures.idx(dimensions: [2, 3, 5], payload: payload))
        for (file, compressed) in [(bytes, false), (try GzipWriter.compress(bytes), true)] {
            let read = try IDXFile(fileBytes: file, path: "encoded")
            #expect(read.dimensions == [2, 3, 5] && read.wasCompressed == compressed)
            #expect(Array(read.bytes[read.payloadOffset...]) == payload)
        }
    }

    @Test func readsEveryElementType() throws {
        let i16 = try IDXFile(fileBytes: Fixtures.idx(type: 0x0B, dimensions: [2], payload: [0xFF, 0xFE, 0x01, 0x00]), path: "i16")
        #expect(i16.value(at: 0) == -2 && i16.value(at: 1) == 256)
        let i32 = try IDXFile(fileBytes: Fixtures.idx(type: 0x0C, dimensions: [1, 1, 1, 1], payload: [0x80, 0, 0, 0]), path: "i32")
        #expect(i32.value(at: 0) == Double(Int32.min) && i32.dimensions == [1, 1, 1, 1])
        let f32 = try IDXFile(fileBytes: Fixtures.idx(type: 0x0D, dimensions: [1], payload: [0x3F, 0xC0, 0, 0]), path: "f32")
        #expect(f32.value(at: 0) == 1.5)
        let f64 = try IDXFile(fileBytes: Fixtures.idx(type: 0x0E, dimensions: [1], payload: [0xC0, 0x04, 0, 0, 0, 0, 0, 0]), path: "f64")
        #expect(f64.value(at: 0) == -2.5)
        let i8 = try IDXFile(fileBytes: Fixtures.idx(type: 0x09, dimensions: [1], payload: [0xFF]), path: "i8")
        #expect(i8.value(at: 0) == -1)
    }

    @Test(arguments: [
        ([UInt8](), "f-idx3-ubyte: byte 0: the file is empty (expected an IDX header; a failed download?)"),
        (Array("<!DOCTYPE html><html>".utf8),
         "f-idx3-ubyte: byte 0: expected an IDX magic number starting with bytes 00 00, found 3c 21 44 4f ('<!DO': this looks like an HTML page, not IDX data; a failed download?)"),
        ([0x50, 0x4B, 0x03, 0x04, 0, 0], "f-idx3-ubyte: byte 0: expected an IDX magic number starting with bytes 00 00, found 50 4b 03 04 (a zip archive: unzip it first)"),
        ([0, 0, 0x07, 1, 0, 0, 0, 1, 5], "f-idx3-ubyte: byte 2: unknown IDX type code 0x07 (expected 0x08 ubyte, 0x09 byte, 0x0b i16, 0x0c i32, 0x0d f32 or 0x0e f64)"),
        ([0, 0, 0x08, 0], "f-idx3-ubyte: byte 3: the number of dimensions is 0 (an IDX file has at least one dimension)"),
        (Fixtures.idx(dimensions: [2, 0, 3], payload: []), "f-idx3-ubyte: byte 8: dimension 1 is 0 (every dimension must be at least 1)"),
        (Fixtures.idx(type: 0x0E, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: []),
         "f-idx3-ubyte: byte 4: dimensions [4294967295, 4294967295, 4294967295] describe more data than can be addressed (a corrupt header?)"),
        ([0, 0], "f-idx3-ubyte: byte 2: the file ends early: the header declares 4 bytes, found 2 (truncated file? download it again)"),
        ([0, 0, 8, 3, 0, 0, 0, 2, 0, 0], "f-idx3-ubyte: byte 10: the file ends early: the header declares 16 bytes, found 10 (truncated file? download it again)"),
        (Array(good.prefix(25)), "f-idx3-ubyte: byte 25: the file ends early: the header declares 28 bytes, found 25 (truncated file? download it again)"),
        (good + [0, 0, 0], "f-idx3-ubyte: byte 28: 3 bytes after the end of the data the header declares (expected 28 bytes in all, found 31; is the header's size wrong?)"),
    ])
    func rawFileErrors(bytes: [UInt8], expected: String) {
        #expect(message(bytes) == expected)
    }

    @Test func gzipIsDecidedByContentNotName() throws {
        let file = try IDXFile(fileBytes: try GzipWriter.compress(IDXValidationTests.good), path: "no-gz-suffix")
        #expect(file.wasCompressed && file.bytes == IDXValidationTests.good)
    }

    @Test func concatenatedGzipMembersAreOneStream() throws {
        let good = IDXValidationTests.good
        let bytes = try GzipWriter.compress(Array(good.prefix(10))) + GzipWriter.compress(Array(good.dropFirst(10)))
        #expect(try IDXFile(fileBytes: bytes, path: "two-members.gz").bytes == good)
    }

    @Test func gzipOfTruncatedData() throws {
        let bytes = try GzipWriter.compress(Array(IDXValidationTests.good.prefix(20)))
        #expect(message(bytes, "t.gz") == "t.gz: byte 20 of the decompressed stream: the file ends early: the header declares 28 bytes, found 20 (truncated file? download it again)")
    }

    @Test func gzipInflatingPastTheDeclaredSize() throws {
        let bytes = try GzipWriter.compress(IDXValidationTests.good + [9, 9])
        #expect(message(bytes, "t.gz") == "t.gz: byte 28: 2 bytes after the end of the data the header declares (expected 28 bytes in all, found 30; is the header's size wrong?)")
    }

    /// A wrong CRC-32 in the gzip trailer is caught by zlib.
    @Test func gzipWithBadChecksum() throws {
        var bytes = try GzipWriter.compress(IDXValidationTests.good)
        bytes[bytes.count - 8] ^= 0xFF
        #expect(message(bytes, "t.gz") == "t.gz: byte 28 of the decompressed stream: corrupt gzip data: incorrect data check (download the file again)")
    }

    /// Damaged deflate data: reported as corrupt at some decompressed offset, never a crash.
    @Test func gzipWithCorruptDeflateData() throws {
        var bytes = try GzipWriter.compress(Array(repeating: 7, count: 5000) + IDXValidationTests.good)
        for i in 12 ..< 18 { bytes[i] ^= 0x5A }
        let text = message(bytes, "t.gz")
        #expect(text.hasPrefix("t.gz: byte "), "\(text)")
        #expect(text.contains("corrupt gzip data") || text.contains("expected an IDX magic"), "\(text)")
    }

    /// A .gz file cut short: the stream ends before the declared size.
    @Test func truncatedGzipFile() throws {
        let payload = (0 ..< 4000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let full = try GzipWriter.compress(Fixtures.idx(dimensions: [4000], payload: payload))
        let text = message(Array(full.prefix(full.count / 2)), "cut.gz")
        #expect(text.hasPrefix("cut.gz: byte "), "\(text)")
        #expect(text.hasSuffix("of the decompressed stream: the file ends early: the header declares 4008 bytes, found \(text.split(separator: " ")[2]) (truncated file? download it again)"), "\(text)")
    }

    /// A header that declares far more than its compressed size could inflate to is refused
    /// before anything is allocated.
    @Test func impossibleDeclaredSize() throws {
        let bytes = try GzipWriter.compress(Fixtures.idx(dimensions: [1_000_000, 1000], payload: [1, 2, 3]))
        let limit = bytes.count * 1032
        #expect(message(bytes, "bomb.gz") == "bomb.gz: byte 4 of the decompressed stream: the file ends early: the header declares 1000000012 bytes, found \(limit) (truncated file? download it again)")
    }

    @Test func trailingGarbageAfterGzip() throws {
        let bytes = try GzipWriter.compress(IDXValidationTests.good) + [1, 2, 3]
        let compressedLength = bytes.count - 3
        #expect(message(bytes, "t.gz") == "t.gz: compressed byte \(compressedLength): 3 bytes of non-gzip data after the end of the gzip stream")
    }

    @Test func doubleCompressedFile() throws {
        let bytes = try GzipWriter.compress(GzipWriter.compress(IDXValidationTests.good))
        #expect(message(bytes, "t.gz").hasPrefix("t.gz: byte 0: expected an IDX magic number starting with bytes 00 00, found 1f 8b"))
        #expect(message(bytes, "t.gz").hasSuffix("(gzip data inside the decompressed stream: the file was compressed twice; gunzip it once)"))
    }

    // MARK: - Pairing images with labels

    func pair(_ images: [UInt8], _ labels: [UInt8], classes: Int = 10) -> String {
        do {
            _ = try ImageSet(images: IDXFile(fileBytes: images, path: "img"), labels: IDXFile(fileBytes: labels, path: "lbl"), classes: classes)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func countMismatch() {
        #expect(pair(IDXValidationTests.good, Fixtures.idx(dimensions: [3], payload: [1, 2, 3]))
            == "lbl: byte 4: 3 labels, but img holds 2 images (the two files must come from the same set)")
    }

    @Test func labelOutOfRange() {
        #expect(pair(IDXValidationTests.good, Fixtures.idx(dimensions: [2], payload: [3, 10]))
            == "lbl: byte 9: label 10 of sample 1 is outside 0…9 for a 10-class dataset")
    }

    @Test func wrongLayouts() {
        #expect(pair(Fixtures.idx(dimensions: [2, 6], payload: Array(1 ... 12)), Fixtures.idx(dimensions: [2], payload: [1, 2]))
            == "img: byte 2: expected ubyte (0x08) images of rank 3 [N, H, W], found ubyte (0x08) of rank 2 [2, 6]")
        #expect(pair(IDXValidationTests.good, Fixtures.idx(type: 0x0D, dimensions: [2], payload: Array(repeating: 0, count: 8)))
            == "lbl: byte 2: expected integer labels of rank 1 [N], found f32 (0x0d) of rank 1 [2]")
    }

    @Test func acceptsInt32Labels() throws {
        let set = try ImageSet(images: IDXFile(fileBytes: IDXValidationTests.good, path: "img"),
                               labels: IDXFile(fileBytes: Fixtures.idx(type: 0x0C, dimensions: [2], payload: [0, 0, 0, 9, 0, 0, 0, 4]), path: "lbl"),
                               classes: 10)
        #expect(set.label(0) == 9 && set.label(1) == 4)
    }

    // MARK: - Folders

    @Test func missingFileInFolder() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: IDXError.missingFile(directory: folder.path, names: ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])) {
            try MNISTDataset(directory: folder.path)
        }
    }

    /// A broken test-set file is reported when the dataset is opened, before any training.
    @Test func brokenTestFileIsFoundAtOnce() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = Fixtures.idx(dimensions: [2, 3, 2], payload: Array(1 ... 12)), labels = Fixtures.idx(dimensions: [2], payload: [1, 2])
        try Data(images).write(to: folder.appendingPathComponent("train-images-idx3-ubyte"))
        try Data(GzipWriter.compress(labels)).write(to: folder.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        try Data(images).write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
        try Data(labels.prefix(9)).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let path = folder.appendingPathComponent("t10k-labels-idx1-ubyte").path
        #expect(throws: IDXError.truncated(file: path, offset: 9, expected: 10, found: 9, compressed: false)) {
            try MNISTDataset(directory: folder.path)
        }
    }

    /// The MNIST copy that ships with Fovea.
    @Test func shippedMNIST() throws {
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        #expect(mnist.train.count == 60_000 && mnist.test.count == 10_000)
        #expect(mnist.train.height == 28 && mnist.train.width == 28)
        let normalization = Normalization(statisticsOf: mnist.train)
        #expect(abs(normalization.mean - 0.1307) < 1e-4 && abs(normalization.std - 0.3081) < 1e-4)
        #expect(mnist.train.label(0) == 5 && mnist.test.label(0) == 7)
    }
}
