/// Why an IDX file (or a set of them) was refused. Every case names the file and, where it is
/// about the bytes, the byte offset — counted in the decompressed stream for `.gz` files — and
/// its `description` is one line: `file: byte N: what was expected, what was found (hint)`.
public enum IDXError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case empty(file: String)
    /// The first two bytes are not zero.
    case badMagic(file: String, found: [UInt8])
    case unknownType(file: String, code: UInt8)
    case zeroRank(file: String)
    case zeroDimension(file: String, offset: Int, dimension: Int)
    /// The product of the dimensions (times the element size) does not fit in memory.
    case sizeOverflow(file: String, dimensions: [Int])
    /// The file ends before the header or payload does.
    case truncated(file: String, offset: Int, expected: Int, found: Int, compressed: Bool)
    /// Bytes after the payload the header declares.
    case trailingBytes(file: String, offset: Int, expected: Int, found: Int)
    /// The gzip stream itself is broken (bad deflate data, CRC or length check).
    case corruptGzip(file: String, offset: Int, reason: String)
    /// Data follows the end of the gzip stream that is not another gzip member.
    case trailingGzipData(file: String, compressedOffset: Int, count: Int)
    /// A file of the wrong element type or rank for its role.
    case wrongLayout(file: String, expected: String, found: String)
    /// The image and label files disagree on the number of samples.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(file: String, offset: Int, index: Int, label: Int, classes: Int)
    /// A dataset file is missing from a folder.
    case missingFile(directory: String, names: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .empty(file):
            return "\(file): byte 0: the file is empty (expected an IDX header; a failed download?)"
        case let .badMagic(file, found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(file): byte 0: expected an IDX magic number starting with bytes 00 00, found \(hex)\(IDXError.hint(forMagic: found))"
        case let .unknownType(file, code):
            return "\(file): byte 2: unknown IDX type code 0x\(String(code, radix: 16).leftPadded(to: 2)) (expected 0x08 ubyte, 0x09 byte, 0x0b i16, 0x0c i32, 0x0d f32 or 0x0e f64)"
        case let .zeroRank(file):
            return "\(file): byte 3: the number of dimensions is 0 (an IDX file has at least one dimension)"
        case let .zeroDimension(file, offset, dimension):
            return "\(file): byte \(offset): dimension \(dimension) is 0 (every dimension must be at least 1)"
        case let .sizeOverflow(file, dimensions):
            return "\(file): byte 4: dimensions \(dimensions) describe more data than can be addressed (a corrupt header?)"
        case let .truncated(file, offset, expected, found, compressed):
            let stream = compressed ? " of the decompressed stream" : ""
            return "\(file): byte \(offset)\(stream): the file ends early: the header declares \(expected) bytes, found \(found) (truncated file? download it again)"
        case let .trailingBytes(file, offset, expected, found):
            return "\(file): byte \(offset): \(found - expected) bytes after the end of the data the header declares (expected \(expected) bytes in all, found \(found); is the header's size wrong?)"
        case let .corruptGzip(file, offset, reason):
            return "\(file): byte \(offset) of the decompressed stream: corrupt gzip data: \(reason) (download the file again)"
        case let .trailingGzipData(file, compressedOffset, count):
            return "\(file): compressed byte \(compressedOffset): \(count) bytes of non-gzip data after the end of the gzip stream"
        case let .wrongLayout(file, expected, found):
            return "\(file): byte 2: expected \(expected), found \(found)"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(labels): byte 4: \(labelCount) labels, but \(images) holds \(imageCount) images (the two files must come from the same set)"
        case let .labelOutOfRange(file, offset, index, label, classes):
            return "\(file): byte \(offset): label \(label) of sample \(index) is outside 0…\(classes - 1) for a \(classes)-class dataset"
        case let .missingFile(directory, names):
            return "\(directory): no file \(names.joined(separator: " or ")) (an MNIST-style folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each raw or .gz)"
        }
    }

    /// A guess at what a file with this non-IDX start is.
    static func hint(forMagic bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(4), as: UTF8.self).lowercased()
        if text.hasPrefix("<") || text.hasPrefix("<!do") || text.hasPrefix("<htm") {
            return " ('\(String(decoding: bytes.prefix(4), as: UTF8.self))': this looks like an HTML page, not IDX data; a failed download?)"
        }
        if bytes.starts(with: [0x1f, 0x8b]) {
            return " (gzip data inside the decompressed stream: the file was compressed twice; gunzip it once)"
        }
        if bytes.starts(with: [0x50, 0x4b]) {
            return " (a zip archive: unzip it first)"
        }
        if bytes.starts(with: [0x42, 0x5a, 0x68]) || bytes.starts(with: [0xfd, 0x37, 0x7a, 0x58]) {
            return " (bzip2 or xz data: decompress it first; Fovea reads raw or gzip IDX files)"
        }
        return " (not an IDX file)"
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
