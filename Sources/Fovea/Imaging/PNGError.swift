/// Why a PNG file could not be read or written. Every case names the file; `description` is one
/// line: `file: what is wrong (what to do)`.
public enum PNGError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    /// The file does not start with the PNG signature.
    case notPNG(file: String)
    /// libpng refused the file; `reason` is libpng's message, which names the chunk or the step.
    case corrupt(file: String, reason: String)
    /// The header declares more pixels than Fovea reads (`PNGFormat.maximumPixels`).
    case tooLarge(file: String, width: Int, height: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read: \(reason)"
        case let .unwritable(file, reason):
            "\(file): cannot write: \(reason) (check that the folder exists and is writable)"
        case let .notPNG(file):
            "\(file): byte 0: not a PNG file (expected the signature 89 50 4e 47 0d 0a 1a 0a)"
        case let .corrupt(file, reason):
            "\(file): corrupt or truncated PNG: libpng says \"\(reason)\" (export the image again)"
        case let .tooLarge(file, width, height):
            "\(file): byte 16: an image of \(width)×\(height) pixels is larger than Fovea reads (at most 2²⁸ pixels; scale it down)"
        }
    }
}
