import CZlib

/// Streams the decompressed bytes of gzip data (one member or several concatenated, as gzip(1)
/// allows) into caller-provided buffers through zlib's `inflate`, so that a file can be
/// decompressed straight into its final, exactly sized allocation. zlib checks each member's
/// CRC-32 and length trailer; a mismatch is reported as corrupt data.
final class GzipReader {
    let file: String
    private let compressed: [UInt8]
    /// zlib's state points back at its `z_stream`, so the stream lives at a fixed heap address.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Compressed bytes consumed so far.
    private(set) var consumed = 0
    /// Decompressed bytes produced so far.
    private(set) var produced = 0
    /// The last member ended and no input is left.
    private(set) var finished = false
    /// The input ran out in the middle of a member.
    private(set) var inputEndedEarly = false

    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    init(file: String, compressed: [UInt8]) throws {
        self.file = file
        self.compressed = compressed
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: a gzip wrapper (not zlib, not raw deflate).
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw IDXError.unreadable(file: file, reason: "zlib could not start inflating (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Fills `buffer` with the next decompressed bytes; returns how many were written, fewer than
    /// `buffer.count` only when the data ends (`finished` or `inputEndedEarly`).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < buffer.count && !finished && !inputEndedEarly {
            let status: Int32 = compressed.withUnsafeBufferPointer { input in
                let remaining = input.count - consumed
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.pointee.avail_in = UInt32(min(remaining, Int(UInt32.max)))
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + written
                stream.pointee.avail_out = UInt32(min(buffer.count - written, Int(UInt32.max)))
                let availIn = Int(stream.pointee.avail_in), availOut = Int(stream.pointee.avail_out)
                let status = inflate(stream, Z_NO_FLUSH)
                consumed += availIn - Int(stream.pointee.avail_in)
                let out = availOut - Int(stream.pointee.avail_out)
                written += out
                produced += out
                return status
            }
            switch status {
            case Z_OK:
                if consumed == compressed.count && stream.pointee.avail_out > 0 { inputEndedEarly = true }
            case Z_STREAM_END:
                let left = compressed.count - consumed
                if left == 0 {
                    finished = true
                } else if compressed[consumed] == 0x1f && left >= 2 && compressed[consumed + 1] == 0x8b {
                    inflateReset(stream)  // another gzip member follows
                } else {
                    throw IDXError.trailingGzipData(file: file, compressedOffset: consumed, count: left)
                }
            case Z_BUF_ERROR:
                // No progress possible: the input is exhausted mid-member.
                inputEndedEarly = true
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw IDXError.corruptGzip(file: file, offset: produced, reason: reason)
            }
        }
        return written
    }
}
