/// The image files `fovea predict` reads, recognised by their first bytes (never by the name):
/// PNG, JPEG, Netpbm (PBM/PGM/PPM) — one picture each — and IDX (raw or gzip) of unsigned bytes,
/// `[N, H, W]` (N pictures, as MNIST's image files) or `[H, W]` (one).
public enum ImageFile {
    public enum Format: String, Sendable {
        case png = "PNG", jpeg = "JPEG", netpbm = "Netpbm", idx = "IDX"

        /// Whether the file holds pictures of the world (to be preprocessed as MNIST was) rather
        /// than samples already in a dataset's format.
        public var isPicture: Bool { self != .idx }
    }

    /// The format of a file starting with `bytes`, or `nil`.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: PNGFormat.signature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1") ... UInt8(ascii: "6")).contains(bytes[1]) { return .netpbm }
        if bytes.starts(with: [0x1F, 0x8B]) || bytes.starts(with: [0, 0, 0x08]) { return .idx }
        return nil
    }

    /// The pictures in the file at `path`, as 8-bit grayscale, and the file's format.
    public static func read(_ path: String) throws -> (format: Format, images: [GrayscaleImage]) {
        let bytes = try readImageFile(path, as: ImageError.unreadable)
        guard let format = format(of: bytes) else { throw ImageError.unknownFormat(file: path, firstBytes: Array(bytes.prefix(4))) }
        switch format {
        case .png: return (format, [try PNGReader.decode(bytes, file: path)])
        case .jpeg: return (format, [try JPEGReader.decode(bytes, file: path)])
        case .netpbm: return (format, [try NetpbmReader.decode(bytes, file: path)])
        case .idx: return (format, try images(inIDX: IDXFile(fileBytes: bytes, path: path)))
        }
    }

    /// The images of an IDX file of unsigned bytes of rank 3 `[N, H, W]` or rank 2 `[H, W]`.
    static func images(inIDX file: IDXFile) throws -> [GrayscaleImage] {
        let dimensions = file.dimensions
        guard file.elementType == .uint8, dimensions.count == 2 || dimensions.count == 3 else {
            throw IDXError.wrongLayout(file: file.path, expected: "ubyte (0x08) images [N, H, W] or one image [H, W]",
                                       found: "\(file.elementType) of rank \(dimensions.count) \(dimensions)")
        }
        let (height, width) = (dimensions[dimensions.count - 2], dimensions[dimensions.count - 1])
        let count = dimensions.count == 3 ? dimensions[0] : 1
        let size = height * width, payload = file.payloadOffset
        return (0 ..< count).map { n in
            GrayscaleImage(width: width, height: height, pixels: Array(file.bytes[payload + n * size ..< payload + (n + 1) * size]))
        }
    }
}
