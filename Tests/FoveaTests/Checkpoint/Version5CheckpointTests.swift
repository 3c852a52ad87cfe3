import Foundation
import Testing
import Fovea

/// Version 5 of the checkpoint format: the `ESTP` section holds `--early-stop` (the patience, the
/// metric watched, the epochs without improvement, whether the run stopped). Only runs that stop
/// early are written as version 5 (older readers would resume them without it); every field is
/// checked on read, against the rest of the file.
@Suite struct Version5CheckpointTests {
    static let file = "runs/x/last.fovea"

    /// The fixture's run after `steps` steps (8 per epoch), with early stopping of `patience`.
    static func checkpoint(afterSteps steps: Int = 10, patience: Int = 3, epochs: Int = 2) throws -> Checkpoint {
        var options = CheckpointFixtures.options
        options.epochs = epochs
        var checkpoint = try CheckpointFixtures.checkpoint(afterSteps: steps, options: options)
        checkpoint.earlyStopping = EarlyStopping(patience: patience)
        return checkpoint
    }

    /// A run stopped early after epoch 3 of 8: its best epoch 1, patience 2.
    static func stopped() throws -> Checkpoint {
        var checkpoint = try checkpoint(afterSteps: 24, patience: 2, epochs: 8)
        checkpoint.history.best = EpochEvaluation(epoch: 1, testLoss: 0.5, testAccuracy: 0.75, validationLoss: nil, validationAccuracy: nil)
        checkpoint.history.stoppedEarly = true
        return checkpoint
    }

    static let good: [UInt8] = (try? CheckpointWriter.encode(checkpoint())) ?? []

    func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try CheckpointReader.decode(bytes, file: Version5CheckpointTests.file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// `good` (or `base`) with its `ESTP` payload replaced (CRCs recomputed, as a buggy writer
    /// would), and the section's offset in the file.
    func withSection(_ payload: [UInt8], version: Int = 5, base: [UInt8] = Version5CheckpointTests.good) throws -> (bytes: [UInt8], offset: Int) {
        var container = try CheckpointContainer(parsing: base, file: "good")
        let index = try #require(container.sections.firstIndex { $0.tag == "ESTP" })
        container.sections[index].payload = payload
        container.formatVersion = version
        let bytes = container.bytes
        let offset = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "ESTP" }).fileOffset
        return (bytes, offset)
    }

    /// `patience u32, metric u8, epochs_without_improvement u32, stopped u8`.
    static func payload(patience: UInt32, metric: UInt8, count: UInt32, stopped: UInt8) -> [UInt8] {
        withUnsafeBytes(of: patience.littleEndian, Array.init) + [metric] + withUnsafeBytes(of: count.littleEndian, Array.init) + [stopped]
    }

    /// The section's ten bytes, read back into the checkpoint and rewritten byte for byte; `META`
    /// and `OPTM` take version 3's layout.
    @Test func roundTrip() throws {
        let original = try Version5CheckpointTests.checkpoint()
        let bytes = try CheckpointWriter.encode(original)
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == 5 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "ESTP"])
        // Patience 3, test accuracy (no validation set), 0 epochs since the best (epoch 1, of 1 done), not stopped.
        #expect(container.sections.last?.payload == Version5CheckpointTests.payload(patience: 3, metric: 2, count: 0, stopped: 0))
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.formatVersion == 5 && read.earlyStopping == EarlyStopping(patience: 3) && read.history == original.history)
        #expect(read.options == original.options && read.parameters == original.parameters && read.state == original.state)
        #expect(read.selectionMetric == .testAccuracy && read.epochsWithoutImprovement == 0)
        #expect(try CheckpointWriter.encode(read) == bytes)
        let optimizer = try #require(container.sections.first { $0.tag == "OPTM" })
        #expect(Array(optimizer.payload.prefix(7)) == [3, 0, 0, 0] + Array("sgd".utf8))
    }

    /// A run that stopped early keeps it: `stopped` 1 with its count, read back into
    /// `history.stoppedEarly`.
    @Test func stoppedRunRoundTrip() throws {
        let original = try Version5CheckpointTests.stopped()
        let bytes = try CheckpointWriter.encode(original)
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.sections.last?.payload == Version5CheckpointTests.payload(patience: 2, metric: 2, count: 2, stopped: 1))
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.history.stoppedEarly && read.history == original.history && read.epochsWithoutImprovement == 2)
        #expect(try CheckpointWriter.encode(read) == bytes)
    }

    /// Each run is written in the lowest version that holds it: early stopping needs 5 whatever
    /// else the run needs; without it nothing changes.
    @Test func writesVersion5OnlyForRunsThatStopEarly() throws {
        #expect(CheckpointFormat.version == 6)  // version 6 adds the task (Version6CheckpointTests)
        var checkpoint = try CheckpointFixtures.checkpoint(afterSteps: 10)
        #expect(CheckpointFormat.version(for: checkpoint) == 1)
        checkpoint.earlyStopping = EarlyStopping(patience: 1)
        #expect(CheckpointFormat.version(for: checkpoint) == 5)
        checkpoint.options.gradientClipping = GradientClipping(maxNorm: 1)
        #expect(CheckpointFormat.version(for: checkpoint) == 5)
        let read = try CheckpointReader.decode(CheckpointWriter.encode(checkpoint), file: "x")
        #expect(read.options.gradientClipping?.maxNorm == 1 && read.earlyStopping?.patience == 1)
        #expect(try CheckpointContainer(parsing: CheckpointWriter.encode(checkpoint), file: "x").sections.map(\.tag)
            == ["META", "PARM", "OPTM", "TRNR", "CLIP", "ESTP"])
    }

    /// Older formats read with early stopping off.
    @Test(arguments: 1 ... 4)
    func olderGoldenFilesHaveNoEarlyStopping(version: Int) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v\(version).fovea").path
        let golden = try CheckpointReader.read(path)
        #expect(golden.formatVersion == version && golden.earlyStopping == nil && !golden.history.stoppedEarly)
    }

    /// A patience outside 1 … 10000 is refused, naming the field and its byte.
    @Test(arguments: [UInt32(0), 10_001, .max])
    func badPatience(value: UInt32) throws {
        let (bytes, offset) = try withSection(Version5CheckpointTests.payload(patience: value, metric: 2, count: 0, stopped: 0))
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset): section 'early_stopping', field 'patience': must be a whole number of epochs from 1 to 10000, found \(value)"),
                "\(message(bytes))")
    }

    /// An unknown metric code, or one that is not the run's (a validation metric for a run
    /// without a validation set), is refused.
    @Test func badMetric() throws {
        let unknown = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 9, count: 0, stopped: 0))
        #expect(message(unknown.bytes) == "runs/x/last.fovea: byte \(unknown.offset + 4): section 'early_stopping', field 'metric': unknown metric code 9 (1 validation accuracy, 2 test accuracy, 3 validation loss, 4 test loss) (the file is damaged; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)")
        let other = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 1, count: 0, stopped: 0))
        #expect(message(other.bytes).hasPrefix("runs/x/last.fovea: byte \(other.offset + 4): section 'early_stopping', field 'metric': 1 (validation accuracy), but a run with 0 validation samples and the loss softmax_cross_entropy is judged by 2 (test accuracy)"),
                "\(message(other.bytes))")
    }

    /// The count must be the epochs since `TRNR`'s best epoch.
    @Test func badCount() throws {
        let (bytes, offset) = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 1, stopped: 0))
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset + 5): section 'early_stopping', field 'epochs_without_improvement': 1, but epoch 1 and the best epoch 1 make 0"),
                "\(message(bytes))")
    }

    /// `stopped` is 0 or 1, and 1 only at an epoch's end with at least `patience` epochs
    /// without improvement.
    @Test func badStopped() throws {
        let two = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 0, stopped: 2))
        #expect(message(two.bytes).hasPrefix("runs/x/last.fovea: byte \(two.offset + 9): section 'early_stopping', field 'stopped': 2 is neither 0 (false) nor 1 (true)"),
                "\(message(two.bytes))")
        // The good file stands at step 2 of epoch 2.
        let midEpoch = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 0, stopped: 1))
        #expect(message(midEpoch.bytes).hasPrefix("runs/x/last.fovea: byte \(midEpoch.offset + 9): section 'early_stopping', field 'stopped': the run is marked as stopped early, but stands at step 2 of epoch 2"),
                "\(message(midEpoch.bytes))")
        // At an epoch's end (epoch 3, best 1), with a patience of 3 not yet reached.
        let stopped = try CheckpointWriter.encode(Version5CheckpointTests.stopped())
        let early = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 2, stopped: 1), base: stopped)
        #expect(message(early.bytes).hasPrefix("runs/x/last.fovea: byte \(early.offset + 9): section 'early_stopping', field 'stopped': the run is marked as stopped early after 2 epochs without improvement, fewer than its patience of 3"),
                "\(message(early.bytes))")
        #expect(message(try withSection(Version5CheckpointTests.payload(patience: 2, metric: 2, count: 2, stopped: 1), base: stopped).bytes) == "no error")
    }

    /// An `ESTP` payload of another length is refused.
    @Test func wrongLength() throws {
        let short = try withSection([3, 0, 0, 0, 2])
        #expect(message(short.bytes).hasPrefix("runs/x/last.fovea: byte \(short.offset + 5): section 'early_stopping', field 'epochs_without_improvement': needs 4 bytes but the section has 0 left"),
                "\(message(short.bytes))")
        let long = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 0, stopped: 0) + [0])
        #expect(message(long.bytes).hasPrefix("runs/x/last.fovea: byte \(long.offset + 10): section 'early_stopping', field 'end of section': 1 unexpected bytes after the last field"),
                "\(message(long.bytes))")
    }

    /// `ESTP` exists from version 5 on: a version-4 file that holds it is refused (a version-4
    /// reader would have skipped it and resumed without early stopping).
    @Test func sectionInAnOlderVersionIsRefused() throws {
        let (bytes, offset) = try withSection(Version5CheckpointTests.payload(patience: 3, metric: 2, count: 0, stopped: 0), version: 4)
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset): section 'early_stopping', field 'tag': section 'ESTP' exists from format version 5 on, but the file says version 4"),
                "\(message(bytes))")
    }

    /// The writer refuses a checkpoint whose stop the reader would refuse.
    @Test func writerRefusesAnImpossibleStop() throws {
        var withoutEarlyStopping = try Version5CheckpointTests.stopped()
        withoutEarlyStopping.earlyStopping = nil
        var midEpoch = try Version5CheckpointTests.checkpoint()
        midEpoch.history.stoppedEarly = true
        var tooSoon = try Version5CheckpointTests.stopped()
        tooSoon.earlyStopping = EarlyStopping(patience: 5)
        for (checkpoint, reason) in [(withoutEarlyStopping, "a run without early stopping marked as stopped early"),
                                     (midEpoch, "a run marked as stopped early in the middle of epoch 2"),
                                     (tooSoon, "a run marked as stopped early after 2 epochs without improvement, fewer than its patience of 5")] {
            #expect(throws: CheckpointError.mismatch(file: "f", message: "not saved: \(reason) (a bug in the program that built this checkpoint)")) {
                try CheckpointWriter.encode(checkpoint, file: "f")
            }
        }
    }
}
