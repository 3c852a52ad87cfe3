import Testing
import Fovea

/// Reconstruction targets and input corruption: the target stays the clean image, the corruption
/// is keyed on (seed, epoch, sample) so that a denoising run does not depend on threads or
/// timing, evaluation corrupts the same way every time, and a label target regresses the label's
/// value.
@Suite struct DenoisingTests {
    static let autoencoder = "conv(4,3,pad=1) relu conv(1,3,pad=1)"
    static let corruption = try! InputCorruption(noise: 0.3, occlusion: 4)

    static func trainer(threads: Int, corruption: InputCorruption = corruption,
                        augmentation: AugmentationConfiguration = .none) throws -> Trainer {
        let (train, test) = try CheckpointFixtures.data()
        let network = try Network(spec: ModelSpec(autoencoder), inputShape: train.sampleShape, classes: 4,
                                  loss: MeanSquaredError.self, target: .input)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: 5)
        let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: Adam(learningRate: 0.01),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 9, augmentation: augmentation,
                                      corruption: corruption)
        return Trainer(model: model, options: options, train: train, test: test, validation: train.suffix(20), threads: threads)
    }

    /// A corrupted image: noise within the byte range, then exactly one P×P patch of background;
    /// the same stream gives the same image, another sample or epoch another one.
    @Test func corruptionIsKeyedOnSeedEpochAndSample() throws {
        let shape = FeatureShape(channels: 1, height: 12, width: 10)
        func corrupted(_ corruption: InputCorruption, epoch: UInt64, sample: Int) -> [Float] {
            var image = [Float](repeating: 200, count: shape.count)
            image.withUnsafeMutableBufferPointer {
                corruption.apply(toByteScaled: $0.baseAddress!, shape: shape,
                                 stream: InputCorruption.stream(seed: 1, epoch: epoch, sample: sample))
            }
            return image
        }
        let occluded = corrupted(try InputCorruption(occlusion: 5), epoch: 0, sample: 3)
        let zeros = occluded.indices.filter { occluded[$0] == 0 }
        #expect(zeros.count == 25 && occluded.allSatisfy { $0 == 0 || $0 == 200 })
        let rows = Set(zeros.map { $0 / shape.width }), columns = Set(zeros.map { $0 % shape.width })
        #expect(rows.count == 5 && columns.count == 5 && rows.max()! - rows.min()! == 4 && columns.max()! - columns.min()! == 4)

        let both = try InputCorruption(noise: 0.5, occlusion: 3)
        let image = corrupted(both, epoch: 2, sample: 7)
        #expect(image.allSatisfy { (0 ... 255).contains($0) } && image.filter { $0 == 0 }.count >= 9)
        #expect(image == corrupted(both, epoch: 2, sample: 7))
        #expect(image != corrupted(both, epoch: 2, sample: 8))
        #expect(image != corrupted(both, epoch: 3, sample: 7))
        #expect(corrupted(.none, epoch: 0, sample: 0) == [Float](repeating: 200, count: shape.count))
    }

    @Test func outOfRangeSettingsAreRefused() throws {
        #expect(throws: InputCorruptionError.noise(1.5)) { try InputCorruption(noise: 1.5) }
        #expect(throws: InputCorruptionError.noise(-0.1)) { try InputCorruption(noise: -0.1) }
        #expect(throws: (any Error).self) { try InputCorruption(noise: .nan) }
        #expect(throws: InputCorruptionError.occlusion(-1)) { try InputCorruption(occlusion: -1) }
        #expect(throws: InputCorruptionError.occlusion(1 << 20)) { try InputCorruption(occlusion: 1 << 20) }
        let (large, fitting) = (try InputCorruption(occlusion: 12), try InputCorruption(occlusion: 11))
        #expect(large.mismatch(height: 12, width: 20) == "--occlude 12: the patch must be smaller than the 12×20 images (use at most 11)")
        #expect(fitting.mismatch(height: 12, width: 20) == nil)
    }

    /// In a batch of a denoising run, the loss's targets are the clean normalised images and the
    /// network's inputs the corrupted ones, each as `InputCorruption` makes it for its key; with
    /// augmentation, the clean image is the augmented one.
    @Test(arguments: [AugmentationConfiguration.none, .standard])
    func theTargetStaysClean(augmentation: AugmentationConfiguration) throws {
        let set = try Fixtures.syntheticSet(count: 40).suffix(24)  // file indices 16..<40
        let normalization = Normalization(statisticsOf: set)
        let corruption = DenoisingTests.corruption
        let pipeline = BatchPipeline(set: set, normalization: normalization, batchSize: 8, augmentation: augmentation, seed: 4,
                                     target: .input, corruption: corruption)
        let order = Array((0 ..< 24).reversed())
        pipeline.start(order: order, steps: 0 ..< 3, epoch: 1)
        defer { pipeline.stop() }
        let size = set.height * set.width
        let pixels = set.withPixels { Array($0) }
        let augmenter = Augmenter(configuration: augmentation, height: set.height, width: set.width)
        for _ in 0 ..< 3 {
            let (inputs, targets, labels, sampleSize) = pipeline.withNextBatch { batch in
                (Array(UnsafeBufferPointer(start: batch.images, count: batch.count * size)),
                 Array(UnsafeBufferPointer(start: batch.targets.images, count: batch.count * size)),
                 Array(UnsafeBufferPointer(start: batch.targets.labels, count: batch.count)), batch.targets.sampleSize)
            }
            #expect(sampleSize == size && labels.count == 8)
            #expect(inputs != targets)
        }
        // The first sample of the last step (position 0 of step 2: order[16] = 7, file index 23).
        pipeline.start(order: order, steps: 2 ..< 3, epoch: 1)
        let (input, target) = pipeline.withNextBatch { batch in
            (Array(UnsafeBufferPointer(start: batch.images, count: size)), Array(UnsafeBufferPointer(start: batch.targets.images, count: size)))
        }
        let sample = order[16]
        var byteScale = Array(pixels[sample * size ..< (sample + 1) * size]).map(Float.init)
        if !augmentation.isIdentity {
            byteScale = augmenter.augmented(Array(pixels[sample * size ..< (sample + 1) * size]),
                                            stream: Augmenter.stream(seed: 4, epoch: 1, index: 16 + sample))
        }
        #expect(target == byteScale.map { ($0 / 255 - normalization.mean) / normalization.std })
        byteScale.withUnsafeMutableBufferPointer {
            corruption.apply(toByteScaled: $0.baseAddress!, shape: set.sampleShape,
                             stream: InputCorruption.stream(seed: 4, epoch: 1, sample: 16 + sample))
        }
        #expect(input == byteScale.map { ($0 / 255 - normalization.mean) / normalization.std })
    }

    /// A denoising run gives the same weights and figures with 1 and 2 threads, with and without
    /// augmentation, and its evaluation is the same every time it is asked.
    @Test(arguments: [AugmentationConfiguration.none, .standard])
    func denoisingIsThreadIndependent(augmentation: AugmentationConfiguration) throws {
        let one = try DenoisingTests.trainer(threads: 1, augmentation: augmentation)
        let two = try DenoisingTests.trainer(threads: 2, augmentation: augmentation)
        for _ in 0 ..< 2 {
            let (a, b) = (try one.trainEpoch(), try two.trainEpoch())
            #expect(a.trainLoss == b.trainLoss && a.trainReconstruction == b.trainReconstruction)
            #expect(a.test == b.test && a.validation == b.validation)
            #expect(a.trainAccuracy == nil && a.test?.accuracy == nil && a.test?.reconstruction?.psnr != nil)
        }
        #expect(one.model.parameters.array == two.model.parameters.array)
        let test = try CheckpointFixtures.data().test
        #expect(one.evaluate(on: test) == two.evaluate(on: test))
        #expect(one.evaluate(on: test) == one.evaluate(on: test))
    }

    /// The corruption makes the task harder: the same model scores a lower PSNR on corrupted
    /// inputs than on clean ones; the per-class figures average (weighted by class size) to the
    /// overall one, and MSE's loss is its squared error in normalised units.
    @Test func evaluationFigures() throws {
        let trainer = try DenoisingTests.trainer(threads: 2)
        _ = try trainer.trainEpoch()
        let test = try CheckpointFixtures.data().test
        let corrupted = trainer.evaluate(on: test)
        let clean = Evaluator(network: trainer.model.network, threads: 2).evaluate(trainer.model, on: test)
        let (noisy, plain) = (try #require(corrupted.reconstruction), try #require(clean.reconstruction))
        #expect(try #require(noisy.psnr) < #require(plain.psnr))
        let std = Double(trainer.model.normalization.std)
        #expect(abs(plain.meanSquaredError - clean.loss * std * std) <= 1e-12 * plain.meanSquaredError)
        var weighted = 0.0
        for (label, quality) in clean.perClassReconstruction.enumerated() {
            let count = (0 ..< test.count).filter { Int(test.label($0)) == label }.count
            #expect((quality == nil) == (count == 0))
            weighted += (quality?.meanSquaredError ?? 0) * Double(count)
        }
        #expect(abs(weighted / Double(test.count) - plain.meanSquaredError) <= 1e-9 * plain.meanSquaredError)
    }

    /// With `--target labels`, MSE compares one output with the label as a number: a network
    /// whose output is the constant 1.5 scores the mean of (1.5 − label)².
    @Test func labelTargetRegressesTheLabelValue() throws {
        let (train, test) = try CheckpointFixtures.data()
        let network = try Network(spec: ModelSpec("flatten dense(1)"), inputShape: train.sampleShape, classes: 4,
                                  loss: MeanSquaredError.self, target: .labels)
        var parameters = [Float](repeating: 0, count: network.parameterCount)
        parameters[parameters.count - 1] = 1.5  // the bias; every weight 0
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), parameters: parameters)
        let result = Evaluator(network: network, threads: 2).evaluate(model, on: test)
        let expected = (0 ..< test.count).map { (1.5 - Double(test.label($0))) * (1.5 - Double(test.label($0))) }.reduce(0, +) / Double(test.count)
        #expect(abs(result.loss - expected) < 1e-12)
        #expect(result.reconstruction == ReconstructionQuality(squaredError: result.loss, target: .labels, normalization: model.normalization))
        #expect(result.reconstruction?.psnr == nil && result.accuracy == nil)

        #expect(throws: (any Error).self) {
            try Network(spec: ModelSpec("flatten dense(4)"), inputShape: train.sampleShape, classes: 4, loss: MeanSquaredError.self, target: .labels)
        }
        #expect(throws: (any Error).self) {
            try Network(spec: ModelSpec(DenoisingTests.autoencoder), inputShape: train.sampleShape, classes: 4,
                        loss: SoftmaxCrossEntropy.self, target: .input)
        }
    }
}
