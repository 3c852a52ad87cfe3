extension IDXFile {
    /// The bytes of an IDX file of unsigned bytes (type `0x08`, the MNIST format): `00 00 08`,
    /// the rank, the dimensions as big-endian 32-bit integers, then `payload`, the values in
    /// row-major order. For writing MNIST-style data sets (gzip them with `GzipWriter` if
    /// wanted); `IDXFile(fileBytes:path:)` reads them back.
    public static func encode(dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        precondition(!dimensions.isEmpty && dimensions.count < 256 && dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) },
                     "IDX dimensions \(dimensions)")
        precondition(payload.count == dimensions.reduce(1, *), "IDX payload of \(payload.count) bytes for dimensions \(dimensions)")
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        bytes.reserveCapacity(bytes.count + 4 * dimensions.count + payload.count)
        for d in dimensions {
            bytes += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                      UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        return bytes + payload
    }
}
