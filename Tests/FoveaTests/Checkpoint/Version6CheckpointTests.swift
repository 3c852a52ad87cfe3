import Foundation
import Testing
import Fovea

/// Version 6 of the checkpoint format: the `TASK` section holds what the output is compared with
/// (`--target`) when it is not the loss's default, and the input corruption of a denoising run
/// (`--input-noise`, `--occlude`). Only such runs are written as version 6 (older readers would
/// resume a plain autoencoder, or could not rebuild a label regression); every field is checked on
/// read, against the loss and the input shape of `META`.
@Suite struct Version6CheckpointTests {
    static let file = "runs/x/last.fovea"
    /// An autoencoder with dropout, so that every piece of training state matters.
    static let autoencoder = "conv(4,3,pad=1) relu dropout(0.1) conv(1,3,pad=1)"
    static let corruption = try! InputCorruption(noise: 0.3, occlusion: 4)

    static let options = TrainingOptions(epochs: 2, batchSize: 16, optimizer: Adam(learningRate: 0.01, weightDecay: 1e-4),
                                         schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 9,
                                         corruption: corruption)

    /// A fresh trainer of the fixture data (8 steps per epoch): by default the denoising run
    /// (MSE against the clean input, corrupted by `corruption`).
    static func trainer(threads: Int, spec: String = autoencoder, loss: any Loss.Type = MeanSquaredError.self,
                        target: TrainingTarget = .input, options: TrainingOptions = options) throws -> Trainer {
        let (train, test) = try CheckpointFixtures.data()
        let network = try Network(spec: ModelSpec(spec), inputShape: train.sampleShape, classes: 4, loss: loss, target: target)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: options.seed)
        return Trainer(model: model, options: options, train: train, test: test, validation: nil, threads: threads)
    }

    /// The checkpoint of `trainer` stopped after `steps` steps (epochs finished on the way are
    /// recorded in its history).
    static func checkpoint(_ trainer: Trainer, afterSteps steps: Int) throws -> Checkpoint {
        var history = RunHistory()
        while trainer.globalStep < steps {
            if let report = try trainer.trainEpoch(shouldStop: { trainer.globalStep >= steps }, afterStep: { _ in }) {
                _ = history.record(report)
            }
        }
        return Checkpoint(trainer: trainer, data: CheckpointFixtures.record(trainer), history: history)
    }

    /// The denoising run after `steps` steps.
    static func denoising(afterSteps steps: Int = 10, threads: Int = 2) throws -> Checkpoint {
        try checkpoint(trainer(threads: threads), afterSteps: steps)
    }

    /// A label regression: MSE of one output against the label's value, no corruption.
    static func regression(afterSteps steps: Int = 10) throws -> Checkpoint {
        var options = options
        options.corruption = .none
        return try checkpoint(trainer(threads: 2, spec: "flatten dense(1)", target: .labels, options: options), afterSteps: steps)
    }

    static let good: [UInt8] = (try? CheckpointWriter.encode(denoising())) ?? []

    func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try CheckpointReader.decode(bytes, file: Version6CheckpointTests.file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// `base` with its `TASK` payload replaced, or appended if it has none (CRCs recomputed, as
    /// a buggy writer would), in format `version`, and the section's offset in the file.
    func withSection(_ payload: [UInt8], version: Int = 6, base: [UInt8] = Version6CheckpointTests.good) throws -> (bytes: [UInt8], offset: Int) {
        var container = try CheckpointContainer(parsing: base, file: "good")
        if let index = container.sections.firstIndex(where: { $0.tag == "TASK" }) {
            container.sections[index].payload = payload
        } else {
            container.sections.append(CheckpointSection(tag: "TASK", payload: payload))
        }
        if container.formatVersion < 6 && version >= 6, let trainer = container.sections.firstIndex(where: { $0.tag == "TRNR" }) {
            // Version 6's TRNR has epoch_squared_error_sum (f64, here 0) after epoch_correct.
            container.sections[trainer].payload.insert(contentsOf: [UInt8](repeating: 0, count: 8), at: 36)
        }
        container.formatVersion = version
        let bytes = container.bytes
        let offset = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "TASK" }).fileOffset
        return (bytes, offset)
    }

    /// `target u8, input_noise f64, occlusion u32`.
    static func payload(target: UInt8, noise: Double, occlusion: UInt32) -> [UInt8] {
        [target] + withUnsafeBytes(of: noise.bitPattern.littleEndian, Array.init) + withUnsafeBytes(of: occlusion.littleEndian, Array.init)
    }

    static let damaged = "(the file is damaged; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)"

    /// A denoising run's section: target 1 (input), noise 0.3, a 4 × 4 patch; read back into the
    /// network's target and the options' corruption, and rewritten byte for byte (the epoch's
    /// partial squared error in `TRNR` too).
    @Test func denoisingRoundTrip() throws {
        let original = try Version6CheckpointTests.denoising(afterSteps: 8)
        let bytes = try CheckpointWriter.encode(original)
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == 6 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "TASK"])
        #expect(container.sections.last?.payload == Version6CheckpointTests.payload(target: 1, noise: 0.3, occlusion: 4))
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.formatVersion == 6 && read.network.target == .input && read.network.loss == MeanSquaredError.self)
        #expect(read.options.corruption == Version6CheckpointTests.corruption && read.options == original.options)
        #expect(read.parameters == original.parameters && read.state == original.state && read.history == original.history)
        #expect(try CheckpointWriter.encode(read) == bytes)
    }

    /// A label regression (`flatten dense(1)`, MSE against the label's value) has no corruption
    /// but another target than MSE's own: its section says so, and the model is rebuilt for it.
    @Test func labelRegressionRoundTrip() throws {
        let original = try Version6CheckpointTests.regression()
        let bytes = try CheckpointWriter.encode(original)
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == 6 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "TASK"])
        #expect(container.sections.last?.payload == Version6CheckpointTests.payload(target: 0, noise: 0, occlusion: 0))
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.network.target == .labels && read.network.outputCount == 1 && read.options.corruption == .none)
        #expect(read.parameters == original.parameters && read.options == original.options)
        #expect(try CheckpointWriter.encode(read) == bytes)
        let test = try CheckpointFixtures.data().test
        #expect(Evaluator(network: read.network, threads: 2).evaluate(read.makeModel(), on: test)
            == Evaluator(network: original.network, threads: 1).evaluate(original.makeModel(), on: test))
        // Without its section the file cannot be read: MSE's own target is the input image.
        var container6 = container
        container6.sections.removeLast()
        #expect(message(container6.bytes).hasPrefix("runs/x/last.fovea: byte 144: section 'meta', field 'model_spec': "), "\(message(container6.bytes))")
    }

    /// Each run is written in the lowest version that holds it: a target other than the loss's
    /// own or a corruption needs 6, whatever else the run needs; without them nothing changes.
    @Test func writesVersion6OnlyForRunsWithATask() throws {
        #expect(CheckpointFormat.version == 6)
        var classifier = try CheckpointFixtures.checkpoint(afterSteps: 10)
        #expect(CheckpointFormat.version(for: classifier) == 1 && !classifier.holdsTask)
        classifier.options.gradientClipping = GradientClipping(maxNorm: 1)
        #expect(CheckpointFormat.version(for: classifier) == 4)
        classifier.earlyStopping = EarlyStopping(patience: 2)
        #expect(CheckpointFormat.version(for: classifier) == 5)
        #expect(try CheckpointContainer(parsing: CheckpointWriter.encode(classifier), file: "x").sections.map(\.tag)
            == ["META", "PARM", "OPTM", "TRNR", "CLIP", "ESTP"])

        var options = Version6CheckpointTests.options
        options.corruption = .none
        let autoencoder = try Version6CheckpointTests.checkpoint(Version6CheckpointTests.trainer(threads: 2, options: options), afterSteps: 3)
        // Mid-epoch, an autoencoder's file is version 6 for TRNR's partial squared error, without
        // a TASK section; at an epoch's end it is version 3 as before.
        #expect(CheckpointFormat.version(for: autoencoder) == 6 && !autoencoder.holdsTask)
        let midEpoch = try CheckpointWriter.encode(autoencoder)
        #expect(try CheckpointContainer(parsing: midEpoch, file: "x").sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR"])
        let midEpochRead = try CheckpointReader.decode(midEpoch, file: "x")
        #expect(midEpochRead.state == autoencoder.state && midEpochRead.state.epochTotals.squaredError > 0)
        let atEpochEnd = try Version6CheckpointTests.checkpoint(Version6CheckpointTests.trainer(threads: 2, options: options), afterSteps: 8)
        #expect(CheckpointFormat.version(for: atEpochEnd) == 3)

        var denoising = try Version6CheckpointTests.denoising(afterSteps: 3)
        #expect(CheckpointFormat.version(for: denoising) == 6 && CheckpointFormat.version(for: denoising.options) == 6)
        denoising.earlyStopping = EarlyStopping(patience: 2)
        denoising.options.gradientClipping = GradientClipping(maxNorm: 1)
        #expect(CheckpointFormat.version(for: denoising) == 6)
        let bytes = try CheckpointWriter.encode(denoising)
        #expect(try CheckpointContainer(parsing: bytes, file: "x").sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "CLIP", "ESTP", "TASK"])
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.options == denoising.options && read.earlyStopping == EarlyStopping(patience: 2))
        #expect(CheckpointFormat.version(for: try Version6CheckpointTests.regression(afterSteps: 1)) == 6)
    }

    /// Older formats read with the loss's default target and no corruption.
    @Test(arguments: 1 ... 5)
    func olderGoldenFilesHaveNoTask(version: Int) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v\(version).fovea").path
        let golden = try CheckpointReader.read(path)
        #expect(golden.formatVersion == version && golden.network.target == .labels && golden.options.corruption == .none && !golden.holdsTask)
    }

    /// An unknown target code, or a target the loss does not take (the input image for softmax
    /// cross-entropy), is refused, naming the field and its byte.
    @Test func badTarget() throws {
        let unknown = try withSection(Version6CheckpointTests.payload(target: 2, noise: 0, occlusion: 0))
        #expect(message(unknown.bytes) == "runs/x/last.fovea: byte \(unknown.offset): section 'task', field 'target': unknown target code 2 (0 labels, 1 input) \(Version6CheckpointTests.damaged)")
        // A classifier that clips (version 4's layout of META), relabelled as version 6 with a task.
        var classifier = try CheckpointFixtures.checkpoint(afterSteps: 10)
        classifier.options.gradientClipping = GradientClipping(maxNorm: 1)
        let input = try withSection(Version6CheckpointTests.payload(target: 1, noise: 0, occlusion: 0), base: CheckpointWriter.encode(classifier))
        #expect(message(input.bytes) == "runs/x/last.fovea: byte \(input.offset): section 'task', field 'target': 1 (input), but the loss softmax_cross_entropy takes only target 0 (labels) \(Version6CheckpointTests.damaged)")
        // The same with target 0 is the classifier's own task.
        #expect(message(try withSection(Version6CheckpointTests.payload(target: 0, noise: 0, occlusion: 0), base: CheckpointWriter.encode(classifier)).bytes) == "no error")
    }

    /// Corrupting the input needs the target input: noise or occlusion with the labels target
    /// is refused at the field that holds it.
    @Test func corruptionWithoutTheInputTarget() throws {
        let base = try CheckpointWriter.encode(Version6CheckpointTests.regression())
        let noisy = try withSection(Version6CheckpointTests.payload(target: 0, noise: 0.2, occlusion: 0), base: base)
        #expect(message(noisy.bytes) == "runs/x/last.fovea: byte \(noisy.offset + 1): section 'task', field 'input_noise': 0.2, but the target is 0 (labels): only a run whose target is 1 (input), the clean image, corrupts its input \(Version6CheckpointTests.damaged)")
        let occluded = try withSection(Version6CheckpointTests.payload(target: 0, noise: 0, occlusion: 3), base: base)
        #expect(message(occluded.bytes) == "runs/x/last.fovea: byte \(occluded.offset + 9): section 'task', field 'occlusion': 3, but the target is 0 (labels): only a run whose target is 1 (input), the clean image, corrupts its input \(Version6CheckpointTests.damaged)")
    }

    /// The patch must be smaller than `META`'s 12 × 12 input, and at most 65536 pixels.
    @Test(arguments: [(UInt32(12), "12, but the patch must be smaller than the 12×12 input of META (at most 11)"),
                      (65_536, "65536, but the patch must be smaller than the 12×12 input of META (at most 11)"),
                      (65_537, "must be a patch side of 0 to 65536 pixels, found 65537"),
                      (.max, "must be a patch side of 0 to 65536 pixels, found 4294967295")])
    func badOcclusion(value: UInt32, reason: String) throws {
        let (bytes, offset) = try withSection(Version6CheckpointTests.payload(target: 1, noise: 0.3, occlusion: value))
        #expect(message(bytes) == "runs/x/last.fovea: byte \(offset + 9): section 'task', field 'occlusion': \(reason) \(Version6CheckpointTests.damaged)")
        #expect(message(try withSection(Version6CheckpointTests.payload(target: 1, noise: 0.3, occlusion: 11)).bytes) == "no error")
    }

    /// The noise must be a finite fraction of full scale, 0 … 1.
    @Test(arguments: [1.5, -0.1, .nan, .infinity, Double(0).nextDown])
    func badNoise(value: Double) throws {
        let (bytes, offset) = try withSection(Version6CheckpointTests.payload(target: 1, noise: value, occlusion: 4))
        #expect(message(bytes) == "runs/x/last.fovea: byte \(offset + 1): section 'task', field 'input_noise': must be a finite number in 0…1 (a fraction of full scale), found \(value) \(Version6CheckpointTests.damaged)")
        #expect(message(try withSection(Version6CheckpointTests.payload(target: 1, noise: 1, occlusion: 4)).bytes) == "no error")
    }

    /// A `TASK` payload of another length is refused.
    @Test func wrongLength() throws {
        let full = Version6CheckpointTests.payload(target: 1, noise: 0.3, occlusion: 4)
        let short = try withSection(Array(full.prefix(12)))
        #expect(message(short.bytes) == "runs/x/last.fovea: byte \(short.offset + 9): section 'task', field 'occlusion': needs 4 bytes but the section has 3 left \(Version6CheckpointTests.damaged)")
        let empty = try withSection([])
        #expect(message(empty.bytes) == "runs/x/last.fovea: byte \(empty.offset): section 'task', field 'target': needs 1 bytes but the section has 0 left \(Version6CheckpointTests.damaged)")
        let long = try withSection(full + [0])
        #expect(message(long.bytes) == "runs/x/last.fovea: byte \(long.offset + 13): section 'task', field 'end of section': 1 unexpected bytes after the last field \(Version6CheckpointTests.damaged)")
    }

    /// `TASK` exists from version 6 on: a version-5 file that holds it is refused (a version-5
    /// reader would have skipped it and resumed another task).
    @Test func sectionInAnOlderVersionIsRefused() throws {
        let (bytes, offset) = try withSection(Version6CheckpointTests.payload(target: 1, noise: 0.3, occlusion: 4), version: 5)
        #expect(message(bytes) == "runs/x/last.fovea: byte \(offset): section 'task', field 'tag': section 'TASK' exists from format version 6 on, but the file says version 5 \(Version6CheckpointTests.damaged)")
    }

    /// The writer, and a trainer resuming from memory, refuse a task the reader would refuse.
    @Test func impossibleTasksAreRefused() throws {
        var labelsCorrupted = try Version6CheckpointTests.regression(afterSteps: 1)
        labelsCorrupted.options.corruption = try InputCorruption(noise: 0.1)
        var tooLarge = try Version6CheckpointTests.denoising(afterSteps: 1)
        tooLarge.options.corruption = try InputCorruption(occlusion: 12)
        let (train, test) = try CheckpointFixtures.data()
        for (checkpoint, reason) in [
            (labelsCorrupted, "a run against the class labels with its input corrupted (Gaussian noise σ 0.1 of full scale); only a run against the input corrupts it"),
            (tooLarge, "--occlude 12: the patch must be smaller than the 12×12 images (use at most 11)"),
        ] {
            #expect(throws: CheckpointError.mismatch(file: "f", message: "not saved: \(reason) (a bug in the program that built this checkpoint)")) {
                try CheckpointWriter.encode(checkpoint, file: "f")
            }
            var named = checkpoint
            named.path = "f"
            #expect(throws: CheckpointError.mismatch(file: "f", message: "its task cannot be trained: \(reason) (a bug in the program that built it)")) {
                try Trainer(resuming: named, epochs: 2, train: train, test: test, validation: nil, threads: 1)
            }
        }
    }

    /// One line per epoch with every figure that does not depend on timing (the training MSE and
    /// PSNR are compared on their own: `trainReconstruction`).
    static func line(_ r: EpochReport) -> String {
        "\(r.epoch) \(r.trainLoss) \(String(describing: r.test)) \(r.learningRate)"
    }

    /// The denoising run that never stopped: its epoch reports, weights and optimizer state.
    static let straight: (reports: [String], training: [ReconstructionQuality?], weights: [Float], state: [[Float]])? = {
        guard let trainer = try? trainer(threads: 2) else { return nil }
        var reports: [String] = [], training: [ReconstructionQuality?] = []
        for _ in 0 ..< 2 {
            guard let report = try? trainer.trainEpoch() else { return nil }
            reports.append(line(report))
            training.append(report.trainReconstruction)
        }
        return (reports, training, trainer.model.parameters.array, trainer.optimizerState.tensors)
    }()

    /// A denoising run stopped anywhere (8 steps make an epoch: 0 and 8 are epoch boundaries),
    /// saved, read back and resumed with another thread count ends bit for bit as the run that
    /// never stopped: the file's corruption is the run's.
    @Test(arguments: [0, 3, 8, 11])
    func exactResume(steps: Int) throws {
        let saved = try Version6CheckpointTests.denoising(afterSteps: steps, threads: 1)
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        #expect(checkpoint.state.globalStep == steps && checkpoint.weightsSHA256 == saved.weightsSHA256)
        #expect(checkpoint.options.corruption == Version6CheckpointTests.corruption && checkpoint.network.target == .input)
        let (train, test) = try CheckpointFixtures.data()
        let trainer = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        #expect(trainer.options.corruption == Version6CheckpointTests.corruption)
        var reports: [String] = [], training: [ReconstructionQuality?] = []
        while trainer.epoch < 2 {
            let report = try trainer.trainEpoch()
            reports.append(Version6CheckpointTests.line(report))
            training.append(report.trainReconstruction)
        }
        let straight = try #require(Version6CheckpointTests.straight)
        #expect(trainer.model.parameters.array == straight.weights, "weights differ after resuming at step \(steps)")
        #expect(trainer.optimizerState.tensors == straight.state, "optimizer state differs after resuming at step \(steps)")
        #expect(trainer.globalStep == 16)
        #expect(reports == Array(straight.reports.suffix(reports.count)), "epoch reports differ after resuming at step \(steps)")
        // Mid-epoch too: TRNR keeps the epoch's partial squared error (version 6).
        #expect(training == Array(straight.training.suffix(training.count)) && training.allSatisfy { $0?.psnr != nil })
    }

    /// The same resume without the file's corruption (what a version-5 reader would do) ends
    /// elsewhere: the corruption is state that matters.
    @Test func resumingWithoutTheCorruptionDiffers() throws {
        var plain = try CheckpointReader.decode(CheckpointWriter.encode(Version6CheckpointTests.denoising(afterSteps: 3)), file: "x")
        plain.options.corruption = .none
        let (train, test) = try CheckpointFixtures.data()
        let trainer = try Trainer(resuming: plain, epochs: 2, train: train, test: test, validation: nil, threads: 2)
        while trainer.epoch < 2 { _ = try trainer.trainEpoch() }
        #expect(trainer.model.parameters.array != (try #require(Version6CheckpointTests.straight)).weights)
    }
}
