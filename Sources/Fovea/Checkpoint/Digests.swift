import CZlib
import Crypto

/// CRC-32 (the zlib / PNG / gzip polynomial) through zlib's `crc32`.
enum CRC32 {
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let crc = bytes.withContiguousStorageIfAvailable { checksum(UnsafeRawBufferPointer($0)) }
        return crc ?? Array(bytes).withUnsafeBytes { checksum($0) }
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc32(0, nil, 0)
        var offset = 0
        // zlib takes a 32-bit length: feed the bytes in chunks of at most 1 GiB.
        while offset < bytes.count {
            let count = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset, uInt(count))
            offset += count
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}

/// SHA-256 digests (swift-crypto) and their hexadecimal form.
public enum SHA256Digest {
    /// The digest of the parameters' bytes as a checkpoint stores them: each value as a
    /// little-endian `f32`, tensors in file order (the flat parameter order). This is the
    /// `weights_sha256` that `fovea inspect` prints.
    public static func weights(_ parameters: [Float]) -> [UInt8] {
        var hasher = SHA256()
        #if _endian(little)
        parameters.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #else
        parameters.map { $0.bitPattern.littleEndian }.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #endif
        return Array(hasher.finalize())
    }

    /// The digest of byte buffers fed in order.
    static func of(_ parts: [UnsafeRawBufferPointer]) -> [UInt8] {
        var hasher = SHA256()
        for part in parts { hasher.update(bufferPointer: part) }
        return Array(hasher.finalize())
    }

    /// Lower-case hexadecimal.
    public static func hex(_ digest: [UInt8]) -> String {
        digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
