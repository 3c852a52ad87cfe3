import Dispatch
import Synchronization

/// Builds training batches on a background queue while the workers train on the previous one
/// (double buffering): batch `k + 1` is gathered and augmented (if configured) into one slot
/// while batch `k` is read from the other. Without augmentation the producer only gathers the
/// labels: normalising the bytes (16 at a time) is cheaper than the producer thread's claim on a
/// core while every core trains, so the consumer does it, each worker its own shard
/// (`withNextBatch(deferringNormalization: true)` and `Batch.prepare`).
///
/// A batch's content depends only on the epoch, its sample order and the step index, never on
/// timing: the producer fills the steps in order and the consumer takes them in order, and each
/// sample's augmentation and corruption are drawn from `(seed, epoch, sample's index in the
/// image file)` (`Augmenter`, `InputCorruption`). Only training batches come from here;
/// evaluation never augments.
///
/// A denoising run (an `InputCorruption` that is not the identity) keeps two images per sample:
/// the clean one, the loss's target (`TrainingTarget.input`), and the corrupted one the network
/// sees; otherwise the two are the same buffer.
///
/// Safety (`@unchecked Sendable`): a slot is written only by the producer between
/// `empty.wait()` and `full.signal()`, and read only by the consumer between `full.wait()` and
/// `empty.signal()`; the semaphores order the two. `stop` raises `cancelled` while the producer
/// may be reading it (after an `empty.wait()` that an earlier `empty.signal()` satisfied), so
/// the flag is atomic; every other field is written only while no producer runs.
public final class BatchPipeline: @unchecked Sendable {
    /// One batch: `images [count, C, H, W]` normalised floats the network sees, `cleanImages`
    /// (the same pointer unless the inputs are corrupted) and `labels [count]`. The images of a
    /// batch lent with deferred normalisation are written by `prepare`.
    ///
    /// Safety (`@unchecked Sendable`): the pointers are valid while the batch is lent; `prepare`
    /// writes only the samples of the positions it is given, so calls on disjoint ranges may run
    /// concurrently.
    public struct Batch: @unchecked Sendable {
        public let images: UnsafePointer<Float>
        /// `[count, C, H, W]` the clean normalised images: `images` unless they are corrupted.
        public let cleanImages: UnsafePointer<Float>
        public let labels: UnsafePointer<UInt8>
        public let count: Int
        /// Floats per image, `C · H · W`.
        public let sampleSize: Int
        /// What the loss compares the network's output with (`TrainingTarget.lossTargets`: the
        /// labels, the clean images once `prepare`d, or the labels' values).
        public let targets: LossTargets
        /// What `prepare` needs, when the images are still to be written.
        fileprivate let pending: PendingImages?

        /// Writes the normalised pixels of the samples at `positions` into `cleanImages` and,
        /// corrupted, into `images`, if they were left to the consumer (else does nothing).
        public func prepare(_ positions: Range<Int>) {
            guard let pending else { return }
            let sampleSize = pending.shape.count
            for position in positions {
                let sample = pending.order[pending.first + position]
                let bytes = pending.pixels + sample * sampleSize
                pending.normalization.normalize(bytes, into: pending.clean + position * sampleSize, count: sampleSize)
                if let corruption = pending.corruption {
                    corruption.corrupt(bytes, into: pending.input + position * sampleSize, shape: pending.shape,
                                       normalization: pending.normalization,
                                       stream: InputCorruption.stream(seed: pending.seed, epoch: pending.epoch,
                                                                      sample: pending.fileOffset + sample))
                }
            }
        }
    }

    /// The sources of a batch whose images the consumer writes.
    fileprivate struct PendingImages {
        let input: UnsafeMutablePointer<Float>
        let clean: UnsafeMutablePointer<Float>
        let pixels: UnsafePointer<UInt8>
        let order: UnsafePointer<Int>
        let first: Int
        let normalization: Normalization
        let shape: FeatureShape
        /// The corruption of a denoising run (`nil`: none), its seed and epoch, and the index of
        /// the set's first sample in its image file.
        let corruption: InputCorruption?
        let seed: UInt64
        let epoch: UInt64
        let fileOffset: Int
    }

    public let set: ImageSet
    public let batchSize: Int
    private let normalization: Normalization
    /// Augments samples on the producer queue (only there); `nil` when augmentation is off.
    private let augmenter: Augmenter?
    private let seed: UInt64
    /// The augmentation draws of the epoch being produced (`Augmenter.epochStream`).
    private var epochStream: RandomStream
    /// The epoch being produced (for the corruption's draws).
    private var epoch = 0
    /// The corruption of a denoising run's inputs; `nil` when it is the identity.
    private let corruption: InputCorruption?
    private let target: TrainingTarget
    private let sampleSize: Int
    /// The two slots' images the network sees.
    private let images: [AlignedBuffer]
    /// The two slots' clean images, when the inputs are corrupted (else `images` serve).
    private let cleanImages: [AlignedBuffer]
    /// The two slots' label values (`TrainingTarget.lossTargets`), `[2, batchSize]`.
    private let labelValues: AlignedBuffer
    private let labels: UnsafeMutablePointer<UInt8>
    private let queue = DispatchQueue(label: "fovea.batches", qos: .userInitiated)
    private let empty = DispatchSemaphore(value: 2)
    private let full = DispatchSemaphore(value: 0)
    private let producer = DispatchGroup()
    /// Written by `stop` on the consumer's thread while the producer may read it.
    private let cancelled = Atomic<Bool>(false)
    private var running = false
    private var nextStep = 0
    private var steps: Range<Int> = 0 ..< 0
    private var order: [Int] = []

    /// A pipeline over `set`; with an `augmentation` that is not the identity, every sample is
    /// augmented with draws from `seed`, and with a `corruption` that is not, corrupted. Batches
    /// carry the loss's `target`. A `corruption`'s patch must fit the images
    /// (`InputCorruption.mismatch`).
    public init(set: ImageSet, normalization: Normalization, batchSize: Int,
                augmentation: AugmentationConfiguration = .none, seed: UInt64 = 0,
                target: TrainingTarget = .labels, corruption: InputCorruption = .none) {
        self.set = set
        self.batchSize = batchSize
        self.seed = seed
        epochStream = Augmenter.epochStream(seed: seed, epoch: 0)
        self.normalization = normalization
        augmenter = augmentation.isIdentity ? nil : Augmenter(configuration: augmentation, height: set.height, width: set.width)
        self.corruption = corruption.isIdentity ? nil : corruption
        self.target = target
        sampleSize = set.height * set.width
        images = [AlignedBuffer(count: batchSize * sampleSize), AlignedBuffer(count: batchSize * sampleSize)]
        cleanImages = corruption.isIdentity ? [] : [AlignedBuffer(count: batchSize * sampleSize), AlignedBuffer(count: batchSize * sampleSize)]
        labelValues = AlignedBuffer(count: 2 * batchSize)
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
        self.epoch = epoch
        epochStream = Augmenter.epochStream(seed: seed, epoch: epoch)
        self.steps = steps
        nextStep = steps.lowerBound
        cancelled.store(false, ordering: .releasing)
        running = true
        producer.enter()
        queue.async { [self] in
            defer { producer.leave() }
            for step in steps {
                empty.wait()
                if cancelled.load(ordering: .acquiring) { return }
                fill(slot: step % 2, step: step)
                full.signal()
            }
        }
    }

    /// Waits for the next batch and lends it to `body`; the slot is recycled when `body` returns.
    /// With `deferringNormalization`, images the producer left unwritten (no augmentation) stay
    /// so until `body` calls `prepare` for every position; otherwise they are written before
    /// `body` runs.
    public func withNextBatch<R>(deferringNormalization: Bool = false, _ body: (Batch) throws -> R) rethrows -> R {
        precondition(running && nextStep < steps.upperBound, "no batch left in this epoch")
        full.wait()
        let step = nextStep
        nextStep += 1
        defer { empty.signal() }
        let slot = step % 2
        let count = batchCount(step)
        let slotBuffers = [images[slot], labelValues] + (cleanImages.isEmpty ? [] : [cleanImages[slot]])
        return try AlignedBuffer.withBaseAddresses(slotBuffers) { pointers in
            let input = pointers[0].pointer
            let clean = pointers.count > 2 ? pointers[2].pointer : input
            let slotLabels = labels + slot * batchSize
            let targets = target.lossTargets(labels: slotLabels, cleanImages: clean, sampleSize: sampleSize,
                                             labelValues: pointers[1].pointer + slot * batchSize, count: count)
            guard augmenter == nil else {
                return try body(Batch(images: input, cleanImages: clean, labels: slotLabels, count: count, sampleSize: sampleSize,
                                      targets: targets, pending: nil))
            }
            return try set.withPixels { pixels in
                try order.withUnsafeBufferPointer { order in
                    let pending = PendingImages(input: input, clean: clean, pixels: pixels.baseAddress!, order: order.baseAddress!,
                                                first: step * batchSize, normalization: normalization, shape: set.sampleShape,
                                                corruption: corruption, seed: seed, epoch: UInt64(epoch), fileOffset: set.indices.lowerBound)
                    let batch = Batch(images: input, cleanImages: clean, labels: slotLabels, count: count, sampleSize: sampleSize,
                                      targets: targets, pending: pending)
                    if !deferringNormalization { batch.prepare(0 ..< count) }
                    return try body(batch)
                }
            }
        }
    }

    /// Stops the producer (if running) and waits for it to finish.
    public func stop() {
        guard running else { return }
        cancelled.store(true, ordering: .releasing)
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

    /// Gathers the labels of `step` into `slot` and, with augmentation, its samples: each is
    /// augmented into the slot and normalised there (in a denoising run, normalised into the
    /// slot's clean images and corrupted in the slot). Without augmentation the consumer
    /// normalises (and corrupts) the bytes: `Batch.prepare`.
    private func fill(slot: Int, step: Int) {
        let count = batchCount(step)
        let first = step * batchSize
        let labelSlot = labels + slot * batchSize
        for position in 0 ..< count {
            labelSlot[position] = set.label(order[first + position])
        }
        guard let augmenter else { return }
        let slotBuffers = [images[slot]] + (cleanImages.isEmpty ? [] : [cleanImages[slot]])
        AlignedBuffer.withBaseAddresses(slotBuffers) { destinations in
            set.withPixels { pixels in
                for position in 0 ..< count {
                    let sample = order[first + position]
                    let source = pixels.baseAddress! + sample * sampleSize
                    let input = destinations[0].pointer + position * sampleSize
                    augmenter.augment(source: source, into: input,
                                      stream: epochStream.child(UInt64(set.indices.lowerBound + sample)))
                    if let corruption {
                        let clean = destinations[1].pointer + position * sampleSize
                        clean.update(from: input, count: sampleSize)
                        normalization.normalize(byteScaled: clean, count: sampleSize)
                        corruption.corrupt(byteScaled: input, shape: set.sampleShape, normalization: normalization,
                                           stream: InputCorruption.stream(seed: seed, epoch: UInt64(epoch), sample: set.indices.lowerBound + sample))
                    } else {
                        normalization.normalize(byteScaled: input, count: sampleSize)
                    }
                }
            }
        }
    }
}
