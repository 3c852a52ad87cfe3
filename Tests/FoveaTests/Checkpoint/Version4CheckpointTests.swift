import Foundation
import Testing
import Fovea

/// Version 4 of the checkpoint format: the `CLIP` section holds `--clip-grad-norm`. Only runs that
/// clip are written as version 4 (older readers would resume them without clipping); every field
/// is checked on read.
@Suite struct Version4CheckpointTests {
    static let file = "runs/x/last.fovea"

    static func options(clipping: Double, optimizer: (any Optimizer)? = nil) -> TrainingOptions {
        var options = CheckpointFixtures.options
        options.gradientClipping = GradientClipping(maxNorm: clipping)
        if let optimizer { options.optimizer = optimizer }
        return options
    }

    static let good: [UInt8] = (try? CheckpointWriter.encode(CheckpointFixtures.checkpoint(afterSteps: 10, options: options(clipping: 0.5)))) ?? []

    func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try CheckpointReader.decode(bytes, file: Version4CheckpointTests.file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// The good file with its `CLIP` payload replaced (CRCs recomputed, as a buggy writer would),
    /// and the section's offset in the file.
    func withClipping(_ payload: [UInt8], version: Int = 4) throws -> (bytes: [UInt8], sectionOffset: Int) {
        var container = try CheckpointContainer(parsing: Version4CheckpointTests.good, file: "good")
        let index = try #require(container.sections.firstIndex { $0.tag == "CLIP" })
        container.sections[index].payload = payload
        container.formatVersion = version
        let bytes = container.bytes
        let offset = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "CLIP" }).fileOffset
        return (bytes, offset)
    }

    static func f64(_ value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }

    /// The limit is written as one f64 in `CLIP`, read back into the options, and the file is
    /// rewritten byte for byte; with SGD, `META` and `OPTM` take version 3's layout.
    @Test(arguments: [0.5, 1e-3, 7])
    func roundTrip(clipping: Double) throws {
        let original = try CheckpointFixtures.checkpoint(afterSteps: 10, options: Version4CheckpointTests.options(clipping: clipping))
        let bytes = try CheckpointWriter.encode(original)
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == 4 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "CLIP"])
        #expect(container.sections.last?.payload == Version4CheckpointTests.f64(clipping))
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.formatVersion == 4 && read.options == original.options && read.options.gradientClipping?.maxNorm == clipping)
        #expect(read.optimizerTensors == original.optimizerTensors && read.parameters == original.parameters && read.state == original.state)
        #expect(try CheckpointWriter.encode(read) == bytes)
        let optimizer = try #require(container.sections.first { $0.tag == "OPTM" })
        #expect(Array(optimizer.payload.prefix(7)) == [3, 0, 0, 0] + Array("sgd".utf8))
    }

    /// Each run is written in the lowest version that holds it: clipping needs 4 whatever else
    /// the run needs; without clipping nothing changes.
    @Test func writesVersion4OnlyForRunsThatClip() throws {
        #expect(CheckpointFormat.version == 6)  // version 5 adds early stopping, 6 the task (Version5, Version6CheckpointTests)
        #expect(CheckpointFormat.version(for: Version4CheckpointTests.options(clipping: 1)) == 4)
        #expect(CheckpointFormat.version(for: Version4CheckpointTests.options(clipping: 1, optimizer: Adam())) == 4)
        var plain = CheckpointFixtures.options
        #expect(CheckpointFormat.version(for: plain) == 1)
        plain.optimizer = Adam()
        #expect(CheckpointFormat.version(for: plain) == 3)
        // A loss only version 3 can name (mean squared error), with and without clipping.
        let (train, test) = try CheckpointFixtures.data()
        let autoencoder = try Network(spec: ModelSpec("conv(4,3,pad=1) relu conv(1,3,pad=1)"), inputShape: train.sampleShape, classes: 4,
                                      loss: MeanSquaredError.self)
        for (clipping, version) in [(nil, 3), (1.0, 4)] {
            var options = CheckpointFixtures.options
            options.gradientClipping = clipping.flatMap(GradientClipping.init(maxNorm:))
            let model = Model(network: autoencoder, normalization: Normalization(statisticsOf: train), seed: 1)
            let trainer = Trainer(model: model, options: options, train: train, test: test, validation: nil, threads: 2)
            let checkpoint = Checkpoint(trainer: trainer, data: CheckpointFixtures.record(trainer), history: RunHistory())
            #expect(CheckpointFormat.version(for: checkpoint) == version)
            let read = try CheckpointReader.decode(CheckpointWriter.encode(checkpoint), file: "x")
            #expect(read.formatVersion == version && read.network.loss == MeanSquaredError.self && read.options == options)
        }
    }

    /// A limit that is not a finite number above 0 is refused, naming the field and its byte.
    @Test(arguments: [0, -1, Double.nan, .infinity])
    func badLimit(value: Double) throws {
        let (bytes, offset) = try withClipping(Version4CheckpointTests.f64(value))
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset): section 'clipping', field 'max_norm': must be a finite number > 0, found \(value)"),
                "\(message(bytes))")
    }

    /// A `CLIP` payload of another length is refused.
    @Test func wrongLength() throws {
        let short = try withClipping([0, 0, 0, 0])
        #expect(message(short.bytes).hasPrefix("runs/x/last.fovea: byte \(short.sectionOffset): section 'clipping', field 'max_norm': needs 8 bytes but the section has 4 left"),
                "\(message(short.bytes))")
        let long = try withClipping(Version4CheckpointTests.f64(1) + [0])
        #expect(message(long.bytes).contains("section 'clipping'"), "\(message(long.bytes))")
        #expect(message(long.bytes) != "no error")
    }

    /// `CLIP` exists from version 4 on: a version-3 file that holds it is refused (a version-3
    /// reader would have skipped it and resumed without clipping).
    @Test func clippingInAnOlderVersionIsRefused() throws {
        let (bytes, offset) = try withClipping(Version4CheckpointTests.f64(0.5), version: 3)
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset): section 'clipping', field 'tag': section 'CLIP' exists from format version 4 on, but the file says version 3"),
                "\(message(bytes))")
    }

    /// A run stopped after any step and resumed from its version-4 file (on another thread
    /// count) clips as the run that never stopped and ends with the same weights.
    @Test(arguments: [0, 5, 11])
    func resumesWithTheLimit(steps: Int) throws {
        let options = Version4CheckpointTests.options(clipping: 0.05)
        let straight = try CheckpointFixtures.trainer(threads: 2, options: options)
        while straight.epoch < 2 { _ = try straight.trainEpoch() }
        var unclippedOptions = options
        unclippedOptions.gradientClipping = nil
        let unclipped = try CheckpointFixtures.trainer(threads: 2, options: unclippedOptions)
        while unclipped.epoch < 2 { _ = try unclipped.trainEpoch() }
        #expect(unclipped.model.parameters.array != straight.model.parameters.array, "clipping at 0.05 changed nothing")

        let saved = try CheckpointFixtures.checkpoint(afterSteps: steps, threads: 1, options: options)
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        let (train, test) = try CheckpointFixtures.data()
        let resumed = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        #expect(resumed.options.gradientClipping?.maxNorm == 0.05)
        while resumed.epoch < 2 { _ = try resumed.trainEpoch() }
        #expect(SHA256Digest.weights(resumed.model.parameters.array) == SHA256Digest.weights(straight.model.parameters.array))
        #expect(resumed.optimizerState.tensors == straight.optimizerState.tensors)
    }
}
