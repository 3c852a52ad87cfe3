import Dispatch

/// Builds training batches on a background queue while the workers train on the previous one
/// (double buffering): batch `k + 1` is gathered and normalised into one slot while batch `k` is
/// read from the other.
///
/// A batch's content depends only on the epoch's sample order and the step index, never on
/// timing: the producer fills the steps in order and the consumer takes them in order.
///
/// Safety (`@unchecked Sendable`): a slot is written only by the producer between
/// `empty.wait()` and `full.signal()`, and read only by the consumer between `full.wait()` and
/// `empty.signal()`; the semaphores order the two.
public final class BatchPipeline: @unchecked Sendable {
    /// One prepared batch: `images [count, C, H, W]` normalised floats and `labels [count]`.
    public struct Batch {
        public let images: UnsafePointer<Float>
        public let labels: UnsafePointer<UInt8>
        public let count: Int
    }

    public let set: ImageSet
    public let batchSize: Int
    private let lookup: [Float]
    private let sampleSize: Int
    private let images: [AlignedBuffer]
    private let labels: UnsafeMutablePointer<UInt8>
    private let queue = DispatchQueue(label: "fovea.batches", qos: .userInitiated)
    private let empty = DispatchSemaphore(value: 2)
    private let full = DispatchSemaphore(value: 0)
    private let producer = DispatchGroup()
    private var cancelled = false
    private var running = false
    private var nextStep = 0
    private var steps: Range<Int> = 0 ..< 0
    private var order: [Int] = []

    public init(set: ImageSet, normalization: Normalization, batchSize: Int) {
        self.set = set
        self.batchSize = batchSize
        lookup = normalization.lookupTable
        sampleSize = set.height * set.width
        images = [AlignedBuffer(count: batchSize * sampleSize), AlignedBuffer(count: batchSize * sampleSize)]
        labels = .allocate(capacity: 2 * batchSize)
        labels.initialize(repeating: 0, count: 2 * batchSize)
    }

    deinit {
        stop()
        labels.deallocate()
    }

    /// Number of batches in an epoch of `set.count` samples (the last one may be partial).
    public var stepsPerEpoch: Int { (set.count + batchSize - 1) / batchSize }

    /// Starts producing the batches `steps` of an epoch whose samples come in `order`
    /// (indices into `set`).
    public func start(order: [Int], steps: Range<Int>) {
        stop()
        self.order = order
        self.steps = steps
        nextStep = steps.lowerBound
        cancelled = false
        running = true
        producer.enter()
        queue.async { [self] in
            defer { producer.leave() }
            for step in steps {
                empty.wait()
                if cancelled { return }
                fill(slot: step % 2, step: step)
                full.signal()
            }
        }
    }

    /// Waits for the next batch and lends it to `body`; the slot is recycled when `body` returns.
    public func withNextBatch<R>(_ body: (Batch) throws -> R) rethrows -> R {
        precondition(running && nextStep < steps.upperBound, "no batch left in this epoch")
        full.wait()
        let step = nextStep
        nextStep += 1
        defer { empty.signal() }
        let slot = step % 2
        let count = batchCount(step)
        return try images[slot].withUnsafeBufferPointer { pixels in
            try body(Batch(images: pixels.baseAddress!, labels: labels + slot * batchSize, count: count))
        }
    }

    /// Stops the producer (if running) and waits for it to finish.
    public func stop() {
        guard running else { return }
        cancelled = true
        empty.signal()
        empty.signal()
        producer.wait()
        // Reset the semaphores to two empty slots and no full one.
        while full.wait(timeout: .now()) == .success {}
        while empty.wait(timeout: .now()) == .success {}
        empty.signal()
        empty.signal()
        running = false
    }

    private func batchCount(_ step: Int) -> Int {
        min(batchSize, set.count - step * batchSize)
    }

    /// Gathers the samples of `step` into `slot`, normalising each pixel through the table.
    private func fill(slot: Int, step: Int) {
        let count = batchCount(step)
        let first = step * batchSize
        let labelSlot = labels + slot * batchSize
        images[slot].withUnsafeMutableBufferPointer { destination in
            set.withPixels { pixels in
                lookup.withUnsafeBufferPointer { table in
                    for position in 0 ..< count {
                        let sample = order[first + position]
                        labelSlot[position] = set.label(sample)
                        Normalization.apply(table: table, source: pixels.baseAddress! + sample * sampleSize,
                                            target: destination.baseAddress! + position * sampleSize, count: sampleSize)
                    }
                }
            }
        }
    }
}
