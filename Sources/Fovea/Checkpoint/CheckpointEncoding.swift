/// Appends little-endian values to a byte array (the encoding of `CheckpointFormat`).
struct ByteEncoder {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw<S: Sequence>(_ values: S) where S.Element == UInt8 { bytes.append(contentsOf: values) }
    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u8(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u32(_ value: Int) { u32(UInt32(truncatingIfNeeded: value)) }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: Int) { u64(UInt64(truncatingIfNeeded: value)) }
    mutating func f32(_ value: Float) { u32(value.bitPattern) }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    /// A `u32` byte count, then the UTF-8 bytes.
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(utf8.count)
        raw(utf8)
    }

    /// `value` as ASCII in exactly `size` bytes: cut or NUL-padded.
    mutating func ascii(_ value: String, size: Int) {
        let utf8 = Array(value.utf8.prefix(size))
        raw(utf8)
        raw(repeatElement(0, count: size - utf8.count))
    }

    /// `values` as consecutive `f32`s.
    mutating func floats(_ values: ArraySlice<Float>) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { f32(value) }
        #endif
    }
}

/// Reads the little-endian fields of one part of a checkpoint file in order. Every error names
/// the file, the absolute byte offset, the section and the field.
struct SectionDecoder {
    let bytes: [UInt8]
    let file: String
    let section: String
    /// Offset of `bytes[0]` in the file.
    let base: Int
    /// The next byte to read, an index into `bytes`.
    var position = 0

    init(bytes: [UInt8], file: String, section: String, base: Int) {
        self.bytes = bytes
        self.file = file
        self.section = section
        self.base = base
    }

    init(_ section: CheckpointSection, file: String, name: String) {
        self.init(bytes: section.payload, file: file, section: name, base: section.fileOffset)
    }

    /// The absolute file offset of the next byte.
    var fileOffset: Int { base + position }

    /// An error about the field that starts at file offset `offset`.
    func invalid(_ field: String, at offset: Int, _ message: String) -> CheckpointError {
        .invalidField(file: file, offset: offset, section: section, field: field, message: message)
    }

    private mutating func take(_ count: Int, _ field: String) throws(CheckpointError) -> Range<Int> {
        guard count <= bytes.count - position else {
            throw invalid(field, at: fileOffset, "needs \(count) bytes but the section has \(bytes.count - position) left")
        }
        defer { position += count }
        return position ..< position + count
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws(CheckpointError) -> T {
        let range = try take(MemoryLayout<T>.size, field)
        var value: T = 0
        for i in range.reversed() { value = value << 8 | T(bytes[i]) }
        return value
    }

    mutating func u8(_ field: String) throws(CheckpointError) -> UInt8 {
        try integer(UInt8.self, field)
    }

    mutating func u32(_ field: String) throws(CheckpointError) -> UInt32 {
        try integer(UInt32.self, field)
    }

    /// A `u64` that must fit in an `Int`.
    mutating func u64(_ field: String) throws(CheckpointError) -> Int {
        let start = fileOffset
        let value = try integer(UInt64.self, field)
        guard value <= UInt64(Int.max) else { throw invalid(field, at: start, "\(value) is too large") }
        return Int(value)
    }

    /// A `u64` of any value.
    mutating func bits64(_ field: String) throws(CheckpointError) -> UInt64 {
        try integer(UInt64.self, field)
    }

    mutating func f32(_ field: String) throws(CheckpointError) -> Float {
        Float(bitPattern: try u32(field))
    }

    mutating func f64(_ field: String) throws(CheckpointError) -> Double {
        Double(bitPattern: try integer(UInt64.self, field))
    }

    /// A `u8` that must be 0 or 1.
    mutating func bool(_ field: String) throws(CheckpointError) -> Bool {
        let start = fileOffset
        let value = try u8(field)
        guard value <= 1 else { throw invalid(field, at: start, "\(value) is neither 0 (false) nor 1 (true)") }
        return value == 1
    }

    mutating func string(_ field: String) throws(CheckpointError) -> String {
        let start = fileOffset
        let count = Int(try u32(field))
        let range = try take(count, field)
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw invalid(field, at: start, "the text is not valid UTF-8")
        }
        return text
    }

    /// Exactly `size` bytes of NUL-padded ASCII.
    mutating func ascii(_ field: String, size: Int) throws(CheckpointError) -> String {
        let range = try take(size, field)
        return String(decoding: bytes[range].prefix { $0 != 0 }, as: UTF8.self)
    }

    mutating func raw(_ field: String, count: Int) throws(CheckpointError) -> [UInt8] {
        Array(bytes[try take(count, field)])
    }

    /// `count` consecutive `f32`s; also returns the file offset of the first.
    mutating func floats(_ field: String, count: Int) throws(CheckpointError) -> (values: [Float], offset: Int) {
        let start = fileOffset
        guard count <= (bytes.count - position) / 4 else {
            throw invalid(field, at: start, "needs \(count) floats (\(count) × 4 bytes) but the section has \(bytes.count - position) bytes left")
        }
        let range = try take(4 * count, field)
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                for i in 0 ..< count {
                    let bits = source.loadUnaligned(fromByteOffset: range.lowerBound + 4 * i, as: UInt32.self)
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            initialized = count
        }
        return (values, start)
    }

    /// A `u32` that must be at least `minimum`.
    mutating func count(_ field: String, minimum: Int) throws(CheckpointError) -> Int {
        let start = fileOffset
        let value = Int(try u32(field))
        try check(value >= minimum, field, at: start, "must be at least \(minimum), found \(value)")
        return value
    }

    /// An `f64` that must satisfy `valid`, described by `rule` ("a finite number > 0").
    mutating func f64(_ field: String, must rule: String, _ valid: (Double) -> Bool) throws(CheckpointError) -> Double {
        let start = fileOffset
        let value = try f64(field)
        try check(valid(value), field, at: start, "must be \(rule), found \(value)")
        return value
    }

    /// Throws `invalid(field, at: offset, message)` unless `condition` holds.
    func check(_ condition: Bool, _ field: String, at offset: Int, _ message: @autoclosure () -> String) throws(CheckpointError) {
        if !condition { throw invalid(field, at: offset, message()) }
    }

    /// Checks that every byte of the section was read.
    func finish() throws(CheckpointError) {
        guard position == bytes.count else {
            throw invalid("end of section", at: fileOffset, "\(bytes.count - position) unexpected bytes after the last field")
        }
    }
}
