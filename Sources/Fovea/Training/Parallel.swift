import Dispatch

/// A pointer that may cross into a parallel loop's `@Sendable` closure.
/// Safety (`@unchecked Sendable`): every loop that captures one documents which axis it splits
/// and why the iterations' writes through it are disjoint.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Pointee>
    public init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}

/// Parallel loops on Dispatch's thread pool.
public enum Parallel {
    /// Runs `body(worker)` for `worker` in `0 ..< workers`, concurrently when `workers > 1`:
    /// on the spinning `WorkerPool` when it has the helpers and is free, else on Dispatch's
    /// thread pool. One call is one parallel region, so callers make few, large ones: one per
    /// training step, not one per layer.
    public static func run(workers: Int, _ body: @Sendable (Int) -> Void) {
        if workers <= 1 {
            body(0)
        } else if !WorkerPool.shared.run(workers: workers, body) {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        }
    }

    /// Splits `0 ..< count` into `workers` contiguous ranges and runs `body` on each
    /// concurrently. The split does not change any result as long as each element is computed
    /// by one iteration alone.
    public static func forRanges(count: Int, workers: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(workers, count))
        run(workers: workers) { w in
            body(count * w / workers ..< count * (w + 1) / workers)
        }
    }
}

/// Fixed slots that the iterations of a parallel loop fill, each its own index, read after the
/// loop. Safety (`@unchecked Sendable`): every index is written by one iteration only, and read
/// only after the parallel region ends. The slots are raw memory, so writing one touches nothing
/// shared (unlike an `Array`, whose copy-on-write check reads shared state).
public final class ParallelSlots<Value>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Value?>
    public let count: Int

    public init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    public subscript(index: Int) -> Value? {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    /// The values in index order (`nil` where an iteration wrote nothing).
    public var values: [Value?] { (0 ..< count).map { slots[$0] } }
}
