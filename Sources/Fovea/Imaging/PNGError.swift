/// Why a PNG file could not be read or written. Every case names the file and, where it is about
/// the bytes, the byte offset; `description` is one line: `file: byte N: what is wrong (hint)`.
public enum PNGError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    /// The file does not start with the PNG signature.
    case notPNG(file: String)
    /// The file ends inside the chunk that starts at `offset`, or before an IEND chunk.
    case truncated(file: String, offset: Int)
    /// A chunk's CRC-32 does not match its type and data.
    case badChecksum(file: String, offset: Int, chunk: String)
    /// The chunk structure or the image data breaks the PNG specification.
    case malformed(file: String, offset: Int, reason: String)
    /// Valid PNG that this reader does not handle (it reads 8-bit grayscale, non-interlaced).
    case unsupported(file: String, offset: Int, feature: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read: \(reason)"
        case let .unwritable(file, reason):
            "\(file): cannot write: \(reason) (check that the folder exists and is writable)"
        case let .notPNG(file):
            "\(file): byte 0: not a PNG file (expected the signature 89 50 4e 47 0d 0a 1a 0a)"
        case let .truncated(file, offset):
            "\(file): byte \(offset): the file ends early (truncated PNG; write it again)"
        case let .badChecksum(file, offset, chunk):
            "\(file): byte \(offset): the CRC-32 of chunk \(chunk) does not match its data (corrupt PNG; write it again)"
        case let .malformed(file, offset, reason):
            "\(file): byte \(offset): \(reason) (corrupt PNG)"
        case let .unsupported(file, offset, feature):
            "\(file): byte \(offset): \(feature) is not supported (Fovea reads 8-bit grayscale, non-interlaced PNG)"
        }
    }
}
