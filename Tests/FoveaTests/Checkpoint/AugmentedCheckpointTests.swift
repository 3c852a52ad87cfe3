import Testing
import Fovea

/// Checkpoints of runs with augmentation or the onecycle schedule: format version 2, the `AUGM`
/// section, and exact resumption (the resumed run sees the same augmented images).
@Suite struct AugmentedCheckpointTests {
    static func options(augmentation: AugmentationConfiguration, schedule: LearningRateSchedule.Kind) -> TrainingOptions {
        var options = CheckpointFixtures.options
        options.augmentation = augmentation
        options.schedule.kind = schedule
        return options
    }

    static let augmented = options(augmentation: .strong, schedule: .onecycle)

    @Test(arguments: [
        (AugmentationConfiguration.none, LearningRateSchedule.Kind.cosine, 1, false),
        (.none, .onecycle, 2, false),
        (.standard, .cosine, 2, true),
        (.strong, .onecycle, 2, true),
    ])
    func versionAndSections(augmentation: AugmentationConfiguration, schedule: LearningRateSchedule.Kind, version: Int, hasSection: Bool) throws {
        let options = AugmentedCheckpointTests.options(augmentation: augmentation, schedule: schedule)
        let bytes = try CheckpointWriter.encode(CheckpointFixtures.checkpoint(afterSteps: 3, options: options))
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == version)
        #expect(container.sections.contains { $0.tag == "AUGM" } == hasSection)
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.options == options && read.formatVersion == version)
    }

    /// An out-of-range value in the augmentation section is refused, naming the field and byte.
    @Test func refusesABadAugmentationValue() throws {
        let bytes = try CheckpointWriter.encode(CheckpointFixtures.checkpoint(afterSteps: 3, options: AugmentedCheckpointTests.augmented))
        var container = try CheckpointContainer(parsing: bytes, file: "x")
        let index = try #require(container.sections.firstIndex { $0.tag == "AUGM" })
        // elastic_sigma is the sixth f64.
        let sigma = (-2.0).bitPattern
        for byte in 0 ..< 8 { container.sections[index].payload[40 + byte] = UInt8(truncatingIfNeeded: sigma >> (8 * UInt64(byte))) }
        let edited = container.bytes
        let offset = try CheckpointContainer(parsing: edited, file: "x").sections[index].fileOffset + 40
        do {
            _ = try CheckpointReader.decode(edited, file: "x")
            Issue.record("a negative elastic sigma was accepted")
        } catch {
            #expect("\(error)".hasPrefix("x: byte \(offset): section 'augmentation', field 'elastic_sigma': must be a positive number of pixels, found -2.0 ("))
        }
    }

    /// Saved mid-epoch and at an epoch boundary, read back and resumed with another thread
    /// count: the same weights as a run that never stopped.
    @Test(arguments: [5, 8, 11])
    func resumesExactly(afterSteps steps: Int) throws {
        let options = AugmentedCheckpointTests.augmented
        let straight = try CheckpointFixtures.trainer(threads: 2, options: options)
        while straight.epoch < 2 { _ = try straight.trainEpoch() }
        let saved = try CheckpointFixtures.checkpoint(afterSteps: steps, threads: 1, options: options)
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        let (train, test) = try CheckpointFixtures.data()
        let resumed = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        while resumed.epoch < 2 { _ = try resumed.trainEpoch() }
        #expect(resumed.model.parameters.array == straight.model.parameters.array, "weights differ after resuming at step \(steps)")
        // Without augmentation the same run ends elsewhere: the augmentation was really used.
        let plain = try CheckpointFixtures.trainer(threads: 2, options: AugmentedCheckpointTests.options(augmentation: .none, schedule: .onecycle))
        while plain.epoch < 2 { _ = try plain.trainEpoch() }
        #expect(plain.model.parameters.array != straight.model.parameters.array)
    }
}
