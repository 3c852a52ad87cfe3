import Foundation

/// The element type of an IDX file (its third header byte).
public enum IDXElementType: UInt8, Sendable, CustomStringConvertible {
    case uint8 = 0x08
    case int8 = 0x09
    case int16 = 0x0B
    case int32 = 0x0C
    case float32 = 0x0D
    case float64 = 0x0E

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    public var description: String {
        switch self {
        case .uint8: "ubyte (0x08)"
        case .int8: "byte (0x09)"
        case .int16: "i16 (0x0b)"
        case .int32: "i32 (0x0c)"
        case .float32: "f32 (0x0d)"
        case .float64: "f64 (0x0e)"
        }
    }
}

/// An IDX file (the format of the MNIST distribution), read and validated in full.
///
/// Layout (all integers big-endian):
/// ```
/// offset  size     field
/// 0       2        zero bytes 00 00
/// 2       1        element type: 08 ubyte, 09 byte, 0b i16, 0c i32, 0d f32, 0e f64
/// 3       1        rank r ≥ 1
/// 4       4·r      dimensions, u32 each, each ≥ 1
/// 4+4r    Π dims · element size    the elements, row-major, big-endian
/// ```
/// The file may be gzip-compressed (decided by its first bytes, `1f 8b`, not by its name); it is
/// then inflated as a stream straight into one allocation of exactly the declared size. Offsets
/// in errors count bytes of the decompressed stream.
public struct IDXFile: Sendable {
    /// The path as given (used in every error message).
    public let path: String
    public let elementType: IDXElementType
    public let dimensions: [Int]
    /// Header and payload, as in the (decompressed) file.
    public let bytes: [UInt8]
    /// Offset of the first element, `4 + 4 · rank`.
    public var payloadOffset: Int { 4 + 4 * dimensions.count }
    /// Number of elements, the product of `dimensions`.
    public var count: Int { dimensions.reduce(1, *) }
    /// Whether the file on disk was gzip-compressed.
    public let wasCompressed: Bool

    /// The largest factor by which deflate can shrink data (RFC 1951: 258-byte matches in
    /// 1-bit codes give ≈ 1032:1). A header declaring more than this times the compressed size
    /// cannot be honest.
    static let maximumDeflateRatio = 1032

    /// The largest file Fovea agrees to hold in memory (1 TiB); larger headers are corrupt.
    static let maximumSize = 1 << 40

    /// Reads and validates the IDX file at `path`.
    public init(contentsOf path: String) throws {
        let raw: [UInt8]
        do {
            raw = try readWholeFile(path)
        } catch {
            throw IDXError.unreadable(file: path, reason: "\(error)")
        }
        try self.init(fileBytes: raw, path: path)
    }

    /// Validates `fileBytes` (raw or gzip-compressed IDX) named `path` in messages.
    public init(fileBytes: [UInt8], path: String) throws {
        self.path = path
        guard !fileBytes.isEmpty else { throw IDXError.empty(file: path) }
        if GzipReader.isGzip(fileBytes) {
            wasCompressed = true
            let reader = try GzipReader(file: path, compressed: fileBytes)
            var header = [UInt8](repeating: 0, count: 4)
            let got = try header.withUnsafeMutableBytes { try reader.read(into: $0) }
            if got == 0 && reader.finished { throw IDXError.empty(file: path) }
            let (type, rank) = try IDXFile.parsePrefix(Array(header[0 ..< got]), path: path, compressed: true)
            var dimensionBytes = [UInt8](repeating: 0, count: 4 * rank)
            let gotDimensions = try dimensionBytes.withUnsafeMutableBytes { try reader.read(into: $0) }
            guard gotDimensions == 4 * rank else {
                throw IDXError.truncated(file: path, offset: 4 + gotDimensions, expected: 4 + 4 * rank,
                                         found: 4 + gotDimensions, compressed: true)
            }
            let dimensions = try IDXFile.parseDimensions(dimensionBytes, path: path)
            let total = try IDXFile.totalSize(dimensions: dimensions, type: type, path: path)
            let (limit, overflow) = fileBytes.count.multipliedReportingOverflow(by: IDXFile.maximumDeflateRatio)
            if !overflow && total > limit + 4096 {
                throw IDXError.truncated(file: path, offset: 4, expected: total, found: min(total, limit), compressed: true)
            }
            // One allocation of exactly the declared size; the payload is inflated into it.
            var failure: Error?
            let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
                let headerCount = 4 + 4 * rank
                for (i, byte) in (header + dimensionBytes).enumerated() { buffer[i] = byte }
                do {
                    let payload = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[headerCount...])
                    let got = try reader.read(into: payload)
                    guard got == payload.count else {
                        throw IDXError.truncated(file: path, offset: headerCount + got, expected: total,
                                                 found: headerCount + got, compressed: true)
                    }
                    // Drain the stream to its end, so that zlib checks the CRC and length trailer,
                    // refusing any byte beyond the declared size.
                    var extra = [UInt8](repeating: 0, count: 64)
                    let more = try extra.withUnsafeMutableBytes { try reader.read(into: $0) }
                    guard more == 0 else {
                        throw IDXError.trailingBytes(file: path, offset: total, expected: total, found: total + more)
                    }
                    if reader.inputEndedEarly {
                        throw IDXError.corruptGzip(file: path, offset: total, reason: "the gzip stream ends before its CRC and length trailer")
                    }
                    initialized = total
                } catch {
                    failure = error
                    buffer.initialize(repeating: 0)
                    initialized = total
                }
            }
            if let failure { throw failure }
            self.elementType = type
            self.dimensions = dimensions
            self.bytes = bytes
        } else {
            wasCompressed = false
            let (type, rank) = try IDXFile.parsePrefix(Array(fileBytes.prefix(4)), path: path, compressed: false)
            guard fileBytes.count >= 4 + 4 * rank else {
                throw IDXError.truncated(file: path, offset: fileBytes.count, expected: 4 + 4 * rank,
                                         found: fileBytes.count, compressed: false)
            }
            let dimensions = try IDXFile.parseDimensions(Array(fileBytes[4 ..< 4 + 4 * rank]), path: path)
            let total = try IDXFile.totalSize(dimensions: dimensions, type: type, path: path)
            if fileBytes.count < total {
                throw IDXError.truncated(file: path, offset: fileBytes.count, expected: total, found: fileBytes.count, compressed: false)
            }
            if fileBytes.count > total {
                throw IDXError.trailingBytes(file: path, offset: total, expected: total, found: fileBytes.count)
            }
            self.elementType = type
            self.dimensions = dimensions
            self.bytes = fileBytes
        }
    }

    /// Validates the first four bytes: two zero bytes, a known type code, a non-zero rank.
    static func parsePrefix(_ prefix: [UInt8], path: String, compressed: Bool) throws -> (IDXElementType, Int) {
        if prefix.count >= 2 && (prefix[0] != 0 || prefix[1] != 0) {
            throw IDXError.badMagic(file: path, found: prefix)
        }
        guard prefix.count == 4 else {
            throw IDXError.truncated(file: path, offset: prefix.count, expected: 4, found: prefix.count, compressed: compressed)
        }
        guard let type = IDXElementType(rawValue: prefix[2]) else {
            throw IDXError.unknownType(file: path, code: prefix[2])
        }
        guard prefix[3] > 0 else { throw IDXError.zeroRank(file: path) }
        return (type, Int(prefix[3]))
    }

    /// Reads the big-endian u32 dimensions; each must be at least 1.
    static func parseDimensions(_ bytes: [UInt8], path: String) throws -> [Int] {
        var dimensions: [Int] = []
        for d in 0 ..< bytes.count / 4 {
            let value = bytes[4 * d ..< 4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
            guard value > 0 else { throw IDXError.zeroDimension(file: path, offset: 4 + 4 * d, dimension: d) }
            dimensions.append(value)
        }
        return dimensions
    }

    /// Header plus payload size in bytes, refusing products that overflow.
    static func totalSize(dimensions: [Int], type: IDXElementType, path: String) throws -> Int {
        var total = type.size
        for dimension in dimensions {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumSize else { throw IDXError.sizeOverflow(file: path, dimensions: dimensions) }
            total = product
        }
        return total + 4 + 4 * dimensions.count
    }

    /// Element `index` (row-major) converted to `Double`.
    public func value(at index: Int) -> Double {
        precondition(index >= 0 && index < count, "IDX element \(index) of \(count)")
        let offset = payloadOffset + index * elementType.size
        func bigEndian(_ size: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0 ..< size { value = value << 8 | UInt64(bytes[offset + i]) }
            return value
        }
        switch elementType {
        case .uint8: return Double(bytes[offset])
        case .int8: return Double(Int8(bitPattern: bytes[offset]))
        case .int16: return Double(Int16(bitPattern: UInt16(bigEndian(2))))
        case .int32: return Double(Int32(bitPattern: UInt32(bigEndian(4))))
        case .float32: return Double(Float(bitPattern: UInt32(bigEndian(4))))
        case .float64: return Double(bitPattern: bigEndian(8))
        }
    }
}

/// Reads a whole file into one array of exactly its size.
func readWholeFile(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw POSIXFailure(code: errno) }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw POSIXFailure(code: errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw POSIXFailure(code: EISDIR) }
    let size = Int(info.st_size)
    var failure: POSIXFailure?
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        var done = 0
        while done < size {
            let n = read(descriptor, buffer.baseAddress! + done, size - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failure = POSIXFailure(code: n < 0 ? errno : EIO); break }
            done += n
        }
        if done < size { (buffer.baseAddress! + done).initialize(repeating: 0, count: size - done) }
        initialized = size
    }
    if let failure { throw failure }
    return bytes
}

/// An operating-system error, printed as its message (`No such file or directory`).
struct POSIXFailure: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: strerror(code)) }
}
