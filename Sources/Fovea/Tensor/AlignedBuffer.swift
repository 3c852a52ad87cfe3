/// A fixed-size, 64-byte-aligned block of `Float`s (one cache line, one `SIMD16<Float>`),
/// allocated once and zero-filled.
///
/// Workspaces, parameters, gradients and optimizer state live in these. Access is through
/// scoped closures only, so no pointer outlives the buffer.
///
/// Safety (`@unchecked Sendable`): the buffer is shared between the trainer's worker threads;
/// every parallel loop that writes to one documents why its iterations write disjoint ranges.
public final class AlignedBuffer: @unchecked Sendable {
    /// Alignment in bytes of the first element.
    public static let alignment = 64

    /// Number of `Float`s.
    public let count: Int
    private let storage: UnsafeMutablePointer<Float>

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        precondition(count >= 0, "AlignedBuffer of negative size \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: AlignedBuffer.alignment)
        storage = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        storage.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        storage.deallocate()
    }

    /// Calls `body` with the buffer's memory; the pointer must not escape `body`.
    @inline(__always)
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage, count: count))
    }

    /// Calls `body` with the buffer's memory, read-only; the pointer must not escape `body`.
    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// Calls `body` with the base address of each buffer, as pointers that a parallel loop may
    /// capture. The buffers are kept alive until `body` returns; the pointers must not escape it.
    public static func withBaseAddresses<R>(
        _ buffers: [AlignedBuffer], _ body: ([SendablePointer<Float>]) throws -> R
    ) rethrows -> R {
        try withExtendedLifetime(buffers) { try body(buffers.map { SendablePointer($0.storage) }) }
    }

    /// A copy of the values as an array.
    public var array: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// Overwrites the buffer with `values`, which must have `count` elements.
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "assigning \(values.count) values to a buffer of \(count)")
        for i in 0 ..< count { storage[i] = values[i] }
    }

    /// Sets every value to zero.
    public func zero() {
        withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// Rounds a float count up to a whole number of 64-byte lines (16 floats), so that regions
/// carved one after another out of an `AlignedBuffer` all stay aligned.
@inline(__always)
func alignedFloatCount(_ count: Int) -> Int {
    (count + 15) & ~15
}
