import CZlib
import Fovea
import FuzzDriver

/// libFuzzer target: the checkpoint reader after the fuzzer's mutation has been made
/// self-consistent again, as a crafted file would be: file_length is set to the real size, and
/// the CRC-32 of every section whose table entry lies inside the file, of the section table and
/// of the header are recomputed (layout in docs/checkpoint-format.md). Mutations then reach
/// the section contents' field checks instead of stopping at a CRC mismatch.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointCRC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let headerSize = 48, entrySize = 24
    if bytes.count >= headerSize {
        store(UInt64(bytes.count), at: 32, in: &bytes)
        let sections = Int(load32(bytes, at: 28))
        if sections <= 64, headerSize + entrySize * sections <= bytes.count {
            for index in 0 ..< sections {
                let entry = headerSize + entrySize * index
                let offset = load64(bytes, at: entry + 8), length = load64(bytes, at: entry + 16)
                if offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset {
                    let crc = checksum(bytes, Int(offset) ..< Int(offset + length))
                    store(UInt64(crc), at: entry + 4, in: &bytes, count: 4)
                }
            }
            let table = checksum(bytes, headerSize ..< headerSize + entrySize * sections)
            store(UInt64(table), at: 40, in: &bytes, count: 4)
        }
        store(UInt64(checksum(bytes, 0 ..< 44)), at: 44, in: &bytes, count: 4)
    }
    _ = try? CheckpointReader.decode(bytes, file: "fuzz.fovea")
    return 0
}

private func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
    bytes[range].withUnsafeBufferPointer { buffer in
        UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, uInt(buffer.count)))
    }
}

private func load32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0 ..< 4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
}

private func load64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    (0 ..< 8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
}

private func store(_ value: UInt64, at offset: Int, in bytes: inout [UInt8], count: Int = 8) {
    for i in 0 ..< count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
}

@_cdecl("FuzzCheckpointCRC_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzCheckpointCRC)
}
