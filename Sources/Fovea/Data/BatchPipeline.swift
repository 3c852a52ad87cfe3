import Dispatch

/// Builds training batches on a background queue while the workers train on the previous one
/// (double buffering): batch `k + 1` is gathered, augmented (if configured) and normalised into
/// one slot while batch `k` is read from the other.
///
/// A batch's content depends only on the epoch, its sample order and the step index, never on
/// timing: the producer fills the steps in order and the consumer takes them in order, and each
/// sample's augmentation is drawn from `(seed, epoch, sample's index in the image file)`
/// (`Augmenter`). Only training batches come from here; evaluation never augments.
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
    private let normalization: Normalization
    /// Augments samples on the producer queue (only there); `nil` when augmentation is off.
    private let augmenter: Augmenter?
    private let seed: UInt64
    /// The augmentation draws of the epoch being produced (`Augmenter.epochStream`).
    private var epochStream: RandomStream
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

    /// A pipeline over `set`; with an `augmentation` that is not the identity, every sample is
    /// augmented with draws from `seed`.
    public init(set: ImageSet, normalization: Normalization, batchSize: Int,
                augmentation: AugmentationConfiguration = .none, seed: UInt64 = 0) {
        self.set = set
        self.batchSize = batchSize
        self.seed = seed
        epochStream = Augmenter.epochStream(seed: seed, epoch: 0)
        self.normalization = normalization
        lookup = normalization.lookupTable
        augmenter = augmentation.isIdentity ? nil : Augmenter(configuration: augmentation, height: set.height, width: set.width)
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

    /// Starts producing the batches `steps` of epoch `epoch` (0-based) whose samples come in
    /// `order` (indices into `set`).
    public func start(order: [Int], steps: Range<Int>, epoch: Int = 0) {
        stop()
        self.order = order
        epochStream = Augmenter.epochStream(seed: seed, epoch: epoch)
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

    /// Gathers the samples of `step` into `slot`: each is augmented into the slot and normalised
    /// there, or (without augmentation) normalised through the table.
    private func fill(slot: Int, step: Int) {
        let count = batchCount(step)
        let first = step * batchSize
        let labelSlot = labels + slot * batchSize
        let (mean, std) = (normalization.mean, normalization.std)
        images[slot].withUnsafeMutableBufferPointer { destination in
            set.withPixels { pixels in
                lookup.withUnsafeBufferPointer { table in
                    for position in 0 ..< count {
                        let sample = order[first + position]
                        labelSlot[position] = set.label(sample)
                        let source = pixels.baseAddress! + sample * sampleSize
                        let target = destination.baseAddress! + position * sampleSize
                        guard let augmenter else {
                            Normalization.apply(table: table, source: source, target: target, count: sampleSize)
                            continue
                        }
                        augmenter.augment(source: source, into: target,
                                          stream: epochStream.child(UInt64(set.indices.lowerBound + sample)))
                        // The same formula as the table, `(byte / 255 − mean) / std`, on byte-scale floats.
                        for i in 0 ..< sampleSize { target[i] = (target[i] / 255 - mean) / std }
                    }
                }
            }
        }
    }
}
