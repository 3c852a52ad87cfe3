import Foundation
import Testing
import Fovea

/// Version 3 of the checkpoint format: the optimizer by name, its hyper-parameters as key/value
/// pairs and its state as named tensors, the loss in `META`. Every field is checked on read and
/// named with its byte offset when wrong.
@Suite struct Version3CheckpointTests {
    static let file = "runs/x/last.fovea"

    static func options(_ optimizer: any Optimizer) -> TrainingOptions {
        var options = CheckpointFixtures.options
        options.optimizer = optimizer
        return options
    }

    static let adam = options(Adam(learningRate: 0.01, moments: AdamMoments(beta1: 0.85, beta2: 0.99, eps: 1e-7), weightDecay: 1e-3))
    static let good: [UInt8] = (try? CheckpointWriter.encode(CheckpointFixtures.checkpoint(afterSteps: 10, options: adam))) ?? []

    func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try CheckpointReader.decode(bytes, file: Version3CheckpointTests.file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// The good file's `OPTM` section replaced by `payload` (CRCs recomputed, as a buggy writer
    /// would), and the offset of that section in the file.
    func withOptimizer(_ edit: (inout [UInt8]) -> Void) throws -> (bytes: [UInt8], sectionOffset: Int) {
        var container = try CheckpointContainer(parsing: Version3CheckpointTests.good, file: "good")
        let index = try #require(container.sections.firstIndex { $0.tag == "OPTM" })
        edit(&container.sections[index].payload)
        let bytes = container.bytes
        let offset = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "OPTM" }).fileOffset
        return (bytes, offset)
    }

    /// A string field as the writer encodes it.
    func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8
    }

    @Test(arguments: [1, 2])
    func roundTrip(kind: Int) throws {
        let options = kind == 1 ? Version3CheckpointTests.adam : Version3CheckpointTests.options(AdamW(learningRate: 0.02, weightDecay: 0.1))
        let original = try CheckpointFixtures.checkpoint(afterSteps: 10, options: options)
        let bytes = try CheckpointWriter.encode(original)
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.formatVersion == 3 && read.options == original.options)
        #expect(read.namedOptimizerTensors.map(\.name) == ["m", "v"] && read.optimizerTensors == original.optimizerTensors)
        #expect(read.optimizerTensors.allSatisfy { $0.count == original.network.parameterCount } && read.velocity.isEmpty)
        #expect(read.optimizerStep == 10 && read.state == original.state && read.parameters == original.parameters)
        #expect(try CheckpointWriter.encode(read) == bytes)
        // The optimizer section starts with its name, then the hyper-parameters by key.
        let optimizer = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "OPTM" })
        let name = kind == 1 ? "adam" : "adamw"
        #expect(Array(optimizer.payload.prefix(4 + name.utf8.count + 4)) == string(name) + [5, 0, 0, 0])
    }

    @Test func unknownOptimizer() throws {
        let (bytes, offset) = try withOptimizer { payload in payload.replaceSubrange(4 ..< 8, with: Array("adaX".utf8)) }
        #expect(message(bytes) == "runs/x/last.fovea: byte \(offset): section 'optimizer', field 'optimizer': unknown optimizer 'adaX' (this build knows sgd, adam, adamw) (the file is damaged; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)")
    }

    @Test func wrongHyperParameterKey() throws {
        // name "adam" (4 + 4 bytes), count (4), then key "learning_rate" (4 + 13), value (8), key "beta1".
        let keyOffset = 8 + 4 + 17 + 8
        let (bytes, offset) = try withOptimizer { payload in payload.replaceSubrange(keyOffset + 4 ..< keyOffset + 9, with: Array("gamma".utf8)) }
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset + keyOffset): section 'optimizer', field 'hyper-parameter key': 'gamma', but adam's hyper-parameter 2 is 'beta1'"))
    }

    @Test func hyperParameterOutOfRange() throws {
        // The value of beta1: after name (8), count (4), learning_rate (17 + 8) and key "beta1" (9).
        let valueOffset = 8 + 4 + 25 + 9
        let (bytes, offset) = try withOptimizer { payload in
            payload.replaceSubrange(valueOffset ..< valueOffset + 8, with: withUnsafeBytes(of: (1.5).bitPattern.littleEndian, Array.init))
        }
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset + valueOffset): section 'optimizer', field 'beta1': must be in [0, 1), found 1.5"))
    }

    @Test func nonFiniteState() throws {
        let (good, _) = try withOptimizer { _ in }
        let count = try CheckpointReader.decode(good, file: "x").network.parameterCount
        // After the hyper-parameters (8 + 4 + 25 + 17 + 17 + 15 + 24 bytes: keys and values), step (8),
        // state_count (4), name "m" (5), count (8): m[0]; v's first value follows m's.
        let mOffset = 8 + 4 + (17 + 8) + (9 + 8) + (9 + 8) + (7 + 8) + (16 + 8) + 8 + 4 + 5 + 8
        let vOffset = mOffset + 4 * count + 5 + 8
        let (bytes, offset) = try withOptimizer { payload in payload.replaceSubrange(vOffset + 4 ..< vOffset + 8, with: [0, 0, 0x80, 0x7F]) }
        #expect(message(bytes) == "runs/x/last.fovea: byte \(offset + vOffset + 4): section 'optimizer', tensor 'layer1.conv.weight v', element 1 is inf (the run had diverged; resume from an earlier checkpoint with a lower --lr)")
    }

    @Test func wrongStateCount() throws {
        let stateCountOffset = 8 + 4 + (17 + 8) + (9 + 8) + (9 + 8) + (7 + 8) + (16 + 8) + 8
        let (bytes, offset) = try withOptimizer { payload in payload[stateCountOffset] = 1 }
        #expect(message(bytes).hasPrefix("runs/x/last.fovea: byte \(offset + stateCountOffset): section 'optimizer', field 'state_count': 1, but adam keeps 2 state tensors (m, v)"))
    }

    /// Each run is written in the lowest version that holds it: Adam needs 3, SGD with the
    /// onecycle schedule 2, plain SGD 1.
    @Test func writesTheLowestVersionThatHoldsTheRun() throws {
        var onecycle = CheckpointFixtures.options
        onecycle.schedule = LearningRateSchedule(kind: .onecycle)
        #expect(CheckpointFormat.version(for: Version3CheckpointTests.adam) == 3)
        #expect(CheckpointFormat.version(for: onecycle) == 2)
        #expect(CheckpointFormat.version(for: CheckpointFixtures.options) == 1)
        let container = try CheckpointContainer(parsing: Version3CheckpointTests.good, file: "good")
        #expect(container.formatVersion == 3 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR"])
    }
}

/// Versions 1 and 2 keep SGD's hyper-parameters as four fixed fields of `META`: a fifth SGD
/// hyper-parameter would not fit them, so SGD runs would then have to be written as version 3.
@Suite struct LegacySGDLayoutTests {
    @Test func sgdHasExactlyTheFourLegacyFields() {
        #expect(SGD.hyperParameters.map(\.key) == ["learning_rate", "momentum", "nesterov", "weight_decay"],
                "SGD gained a hyper-parameter: make CheckpointFormat.version(for:) write such runs as version 3")
    }

    /// A section a version does not define is refused in a file of that version.
    @Test func sectionsOfLaterVersionsAreRefused() throws {
        var container = try CheckpointContainer(parsing: CheckpointFixtures.bytes(afterSteps: 10), file: "x")
        #expect(container.formatVersion == 1)
        container.sections.append(CheckpointSection(tag: "AUGM", payload: [UInt8](repeating: 0, count: 56)))
        #expect(throws: CheckpointError.self) { try CheckpointReader.decode(container.bytes, file: "x") }
        do {
            _ = try CheckpointReader.decode(container.bytes, file: "x")
        } catch {
            #expect("\(error)".contains("section 'augmentation', field 'tag': section 'AUGM' exists from format version 2 on, but the file says version 1"))
        }
    }
}

/// The writer refuses a checkpoint whose values do not fit its model and optimizer (a library
/// caller can build one) instead of writing a file its reader refuses.
@Suite struct CheckpointCountTests {
    @Test func mismatchedOptimizerStateIsNotSaved() throws {
        var checkpoint = try CheckpointFixtures.checkpoint(afterSteps: 3, options: Version3CheckpointTests.adam)
        checkpoint.optimizerTensors.removeLast()
        #expect(throws: CheckpointError.mismatch(file: "f", message: "not saved: 1 optimizer state tensors for 2 (m, v) (a bug in the program that built this checkpoint)")) {
            try CheckpointWriter.encode(checkpoint, file: "f")
        }
        checkpoint = try CheckpointFixtures.checkpoint(afterSteps: 3)
        checkpoint.layerState = [1]
        #expect(throws: CheckpointError.mismatch(file: "f", message: "not saved: 1 layer state values for a model that keeps 0 (a bug in the program that built this checkpoint)")) {
            try CheckpointWriter.encode(checkpoint, file: "f")
        }
    }
}
