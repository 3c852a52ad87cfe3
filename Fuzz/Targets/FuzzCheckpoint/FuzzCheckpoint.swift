import Fovea
import FuzzDriver

/// libFuzzer target: the checkpoint reader on the fuzzer's bytes. Mutations of the seed
/// checkpoints mostly break a CRC-32, so this target exercises the container checks (magic,
/// version, header, lengths, section table, CRCs); FuzzCheckpointCRC reaches the fields.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CheckpointReader.decode(bytes, file: "fuzz.fovea")
    return 0
}

@_cdecl("FuzzCheckpoint_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzCheckpoint)
}
