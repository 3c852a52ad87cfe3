/// Why an image given to Fovea (`fovea predict`) could not be used. Every case names the file;
/// `description` is one line: `file: what is wrong (what to do)`.
public enum ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// Not a format Fovea reads (recognised by the first bytes, not by the name).
    case unknownFormat(file: String, firstBytes: [UInt8])
    /// The decoder refused the file; `reason` says where or quotes the decoder.
    case corrupt(file: String, format: String, reason: String)
    /// More pixels than Fovea reads.
    case tooLarge(file: String, width: Int, height: Int)
    /// The image holds nothing to classify (a uniform picture: no ink).
    case blank(file: String)
    /// An image used as it is (`--raw`, or from an IDX file) of another size than the model takes.
    case wrongSize(file: String, width: Int, height: Int, expected: FeatureShape)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read: \(reason)"
        case let .unknownFormat(file, firstBytes):
            "\(file): byte 0: not an image Fovea reads (starts \(firstBytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " "))); give a PNG, JPEG, PGM/PPM or IDX file"
        case let .corrupt(file, format, reason):
            "\(file): corrupt or truncated \(format): \(reason) (export the image again)"
        case let .tooLarge(file, width, height):
            "\(file): an image of \(width)×\(height) pixels is larger than Fovea reads (at most 2²⁸ pixels; scale it down)"
        case let .blank(file):
            "\(file): the image is uniform, there is no digit to classify (check that it is the right file)"
        case let .wrongSize(file, width, height, expected):
            "\(file): the image is \(width)×\(height) but the model takes \(expected.width)×\(expected.height) (drop --raw to let Fovea scale it)"
        }
    }
}
