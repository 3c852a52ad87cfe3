import CZlib

/// The parts of the PNG format (ISO/IEC 15948, W3C PNG 2nd edition) that Fovea writes and reads.
///
/// ```
/// signature  89 50 4e 47 0d 0a 1a 0a
/// chunk      length u32 BE | type (4 ASCII letters) | data (length bytes) | CRC-32 of type + data, u32 BE
/// IHDR (13)  width u32 | height u32 | bit depth 8 | colour type 0 (grayscale) | compression 0 |
///            filter method 0 | interlace 0
/// IDAT       zlib stream of the rows, each a filter-type byte then `width` pixel bytes
/// IEND (0)   end of the file
/// ```
enum PNGFormat {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The largest chunk length the specification allows, 2³¹ − 1.
    static let maximumChunkLength = Int(Int32.max)
    /// The largest image Fovea reads, in pixels (a guard against headers that would exhaust memory).
    static let maximumPixels = 1 << 28
    /// The largest factor by which deflate can shrink data (RFC 1951: 258-byte matches in 1-bit
    /// codes give ≈ 1032:1), as `IDXFile` uses it.
    static let maximumDeflateRatio = 1032

    /// The CRC-32 (zlib's, as PNG specifies) of a chunk's type and data.
    static func crc(type: [UInt8], data: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc = type.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        if let base = data.baseAddress, data.count > 0 { crc = crc32(crc, base, UInt32(data.count)) }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Appends `value` as 4 big-endian bytes.
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// The big-endian u32 at `offset` (the caller has checked that 4 bytes are there).
    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
