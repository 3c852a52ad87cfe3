import CZlib

/// gzip compression through zlib's `deflate` (for writing `.gz` data files and test fixtures).
public enum GzipWriter {
    /// `bytes` as one gzip member (no file name, modification time 0).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        // zlib's state points back at its `z_stream`, so the stream gets a fixed heap address.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // windowBits 15 + 16: write a gzip wrapper.
        guard deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw IDXError.unreadable(file: "<gzip>", reason: "zlib could not start deflating")
        }
        defer { deflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(bytes.count))))
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.pointee.next_in = source.baseAddress
                stream.pointee.avail_in = UInt32(source.count)
                stream.pointee.next_out = target.baseAddress
                stream.pointee.avail_out = UInt32(target.count)
                return deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw IDXError.unreadable(file: "<gzip>", reason: "zlib deflate failed (status \(status))")
        }
        return Array(output.prefix(Int(stream.pointee.total_out)))
    }
}
