import Testing
import Fovea

/// Augmentation inside the batch pipeline: each sample as `Augmenter` makes it for its
/// (seed, epoch, index), in the epoch's order, whichever step the pipeline starts at.
@Suite struct BatchPipelineAugmentationTests {
    /// The normalised floats of every batch of `steps`.
    func batches(_ pipeline: BatchPipeline, order: [Int], steps: Range<Int>, epoch: Int) -> [[Float]] {
        pipeline.start(order: order, steps: steps, epoch: epoch)
        defer { pipeline.stop() }
        return steps.map { _ in
            pipeline.withNextBatch { Array(UnsafeBufferPointer(start: $0.images, count: $0.count * pipeline.set.height * pipeline.set.width)) }
        }
    }

    @Test func samplesAreAugmentedByTheirKey() throws {
        let set = try Fixtures.syntheticSet(count: 50).suffix(30)  // file indices 20..<50
        let normalization = Normalization(statisticsOf: set)
        let pipeline = BatchPipeline(set: set, normalization: normalization, batchSize: 8, augmentation: .strong, seed: 11)
        let order = randomPermutation(count: set.count, stream: RandomStream(seed: 3, purpose: .shuffle, 0))
        let epoch2 = batches(pipeline, order: order, steps: 0 ..< pipeline.stepsPerEpoch, epoch: 2)

        let size = set.height * set.width
        let augmenter = Augmenter(configuration: .strong, height: set.height, width: set.width)
        let pixels = set.withPixels { Array($0) }
        for step in [0, 3] {  // a full batch and the partial last one (30 = 3 · 8 + 6)
            for position in 0 ..< min(8, set.count - step * 8) {
                let sample = order[step * 8 + position]
                let image = Array(pixels[sample * size ..< (sample + 1) * size])
                let expected = augmenter.augmented(image, stream: Augmenter.stream(seed: 11, epoch: 2, index: 20 + sample))
                    .map { ($0 / 255 - normalization.mean) / normalization.std }
                #expect(Array(epoch2[step][position * size ..< (position + 1) * size]) == expected, "step \(step), position \(position)")
            }
        }
        // The same epoch again gives the same batches; a resumed epoch (from step 2) gives the
        // same batches from there; another epoch gives other images.
        #expect(batches(pipeline, order: order, steps: 0 ..< 4, epoch: 2) == epoch2)
        #expect(batches(pipeline, order: order, steps: 2 ..< 4, epoch: 2) == Array(epoch2[2...]))
        #expect(batches(pipeline, order: order, steps: 0 ..< 1, epoch: 3)[0] != epoch2[0])
    }

    /// The vectorised normalisation gives the table's values bit for bit, for every byte value
    /// and on both the 16-lane and the scalar path (a count that is not a multiple of 16).
    @Test func normalizeMatchesTheTable() {
        let normalization = Normalization(mean: 0.1307, std: 0.3081)
        let table = normalization.lookupTable
        let bytes = (0 ..< 259).map { UInt8($0 % 256) }
        var floats = [Float](repeating: .nan, count: bytes.count)
        bytes.withUnsafeBufferPointer { b in
            floats.withUnsafeMutableBufferPointer { f in normalization.normalize(b.baseAddress!, into: f.baseAddress!, count: b.count) }
        }
        #expect(floats.map(\.bitPattern) == bytes.map { table[Int($0)].bitPattern })
    }

    /// Without augmentation (or with the identity), batches are the table-normalised bytes.
    @Test func noAugmentationIsPlainNormalisation() throws {
        let set = try Fixtures.syntheticSet(count: 12)
        let normalization = Normalization(statisticsOf: set)
        let table = normalization.lookupTable
        let plain = BatchPipeline(set: set, normalization: normalization, batchSize: 12)
        let identity = BatchPipeline(set: set, normalization: normalization, batchSize: 12, augmentation: .none, seed: 5)
        let order = Array(0 ..< 12)
        let expected = set.withPixels { $0.map { table[Int($0)] } }
        #expect(batches(plain, order: order, steps: 0 ..< 1, epoch: 0) == [expected])
        #expect(batches(identity, order: order, steps: 0 ..< 1, epoch: 4) == [expected])
    }
}
