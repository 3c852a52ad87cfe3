/// Why a checkpoint was refused, or could not be written. Every case names the file and, where it
/// is about the bytes, the byte offset; its `description` is one line:
/// `file: byte N: what is wrong (what to do)`.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case empty(file: String)
    /// The first bytes are not the magic `FOVEA\0CK`.
    case notACheckpoint(file: String, found: [UInt8])
    /// The file is shorter than its header or its declared length.
    case truncated(file: String, expected: Int, found: Int)
    /// The file is longer than its declared length.
    case trailingBytes(file: String, expected: Int, found: Int)
    /// A format version this build does not read.
    case newerVersion(file: String, version: Int, writtenBy: String)
    /// The CRC-32 of the header, the section table or a section does not match.
    case checksumMismatch(file: String, what: String, range: Range<Int>, stored: UInt32, computed: UInt32)
    case missingSection(file: String, section: String)
    /// A field holds a value the format does not allow.
    case invalidField(file: String, offset: Int, section: String, field: String, message: String)
    /// The model spec does not parse or build (for example, a layer this build does not know).
    case invalidSpec(file: String, offset: Int, error: ModelSpecError)
    /// A parameter tensor's shape is not the one the model spec gives it.
    case shapeMismatch(file: String, offset: Int, tensor: String, found: [Int], expected: [Int])
    /// A NaN or infinite value in the weights or the optimizer state.
    case nonFinite(file: String, offset: Int, section: String, tensor: String, index: Int, value: Float)
    /// The checkpoint does not fit the data or settings it is used with.
    case mismatch(file: String, message: String)
    /// Writing failed; the file at `file`, if any, is unchanged.
    case writeFailed(file: String, reason: String)
    /// Not written because a weight is NaN or infinite (the run diverged).
    case notSavedNonFinite(file: String, tensor: String, index: Int, value: Float)

    static let damaged = "the file is damaged; use another checkpoint, such as an epoch-NNNN.fovea file of the same run"

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason) (check the path)"
        case let .empty(file):
            return "\(file): byte 0: the file is empty, not a Fovea checkpoint (an interrupted copy? use another checkpoint)"
        case let .notACheckpoint(file, found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(file): byte 0: not a Fovea checkpoint: expected the magic bytes 46 4f 56 45 41 00 43 4b (\"FOVEA\\0CK\"), found \(hex) (\(CheckpointError.hint(forMagic: found)))"
        case let .truncated(file, expected, found):
            return "\(file): byte \(found): the file ends early: it should have \(expected) bytes, found \(found) (a truncated copy; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)"
        case let .trailingBytes(file, expected, found):
            return "\(file): byte \(expected): \(found - expected) bytes after the end of the checkpoint (the header declares \(expected) bytes, found \(found); \(CheckpointError.damaged))"
        case let .newerVersion(file, version, writtenBy):
            return "\(file): byte 8: format version \(version), written by Fovea \(writtenBy); this build (Fovea \(FoveaVersion.current)) reads up to version \(CheckpointFormat.version) (use a newer Fovea)"
        case let .checksumMismatch(file, what, range, stored, computed):
            return "\(file): byte \(range.lowerBound): CRC-32 mismatch in \(what) (bytes \(range.lowerBound)..<\(range.upperBound)): stored \(CheckpointError.hex32(stored)), computed \(CheckpointError.hex32(computed)) (\(CheckpointError.damaged))"
        case let .missingSection(file, section):
            return "\(file): no section '\(section)' (every version-1 checkpoint has meta, params, optimizer and trainer; \(CheckpointError.damaged))"
        case let .invalidField(file, offset, section, field, message):
            return "\(file): byte \(offset): section '\(section)', field '\(field)': \(message) (\(CheckpointError.damaged))"
        case let .invalidSpec(file, offset, error):
            return "\(file): byte \(offset): section 'meta', field 'model_spec': \(error) (this build of Fovea cannot rebuild the model; use the Fovea that wrote the file)"
        case let .shapeMismatch(file, offset, tensor, found, expected):
            return "\(file): byte \(offset): section 'params', tensor '\(tensor)': shape \(found) does not match the model spec, which needs \(expected) (\(CheckpointError.damaged))"
        case let .nonFinite(file, offset, section, tensor, index, value):
            return "\(file): byte \(offset): section '\(section)', tensor '\(tensor)', element \(index) is \(value) (the run had diverged; resume from an earlier checkpoint with a lower --lr)"
        case let .mismatch(file, message):
            return "\(file): \(message)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write: \(reason) (free some space or choose a writable --run-dir; the previous file is unchanged)"
        case let .notSavedNonFinite(file, tensor, index, value):
            return "\(file): not saved: parameter '\(tensor)', element \(index) is \(value) (the run diverged; the previous checkpoint is kept; train again with a lower --lr)"
        }
    }

    /// What a file with this start probably is.
    static func hint(forMagic bytes: [UInt8]) -> String {
        if bytes.starts(with: [0x1F, 0x8B]) {
            return "gzip data: if this is a compressed checkpoint, gunzip it first"
        }
        if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, IDXElementType(rawValue: bytes[2]) != nil, bytes[3] >= 1 {
            return "an IDX data file such as MNIST's images or labels; checkpoints are the .fovea files fovea train writes"
        }
        if bytes.starts(with: [0x50, 0x4B]) {
            return "a zip archive: unzip it first"
        }
        return "checkpoints are the .fovea files fovea train writes"
    }

    static func hex32(_ value: UInt32) -> String {
        String(value, radix: 16).leftPadded(to: 8)
    }
}
