import Foundation
import Testing
import Fovea

/// Every way a checkpoint file can be wrong gets its own one-line message naming the file and
/// the byte offset, and a good file reads back exactly as written.
@Suite struct CheckpointValidationTests {
    static let good: [UInt8] = (try? CheckpointFixtures.bytes(afterSteps: 10)) ?? []
    static let file = "runs/x/last.fovea"
    static let damaged = "the file is damaged; use another checkpoint, such as an epoch-NNNN.fovea file of the same run"

    func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try CheckpointReader.decode(bytes, file: CheckpointValidationTests.file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// The good file with section `tag`'s payload changed by `edit`, CRCs recomputed.
    func edited(_ tag: String, _ edit: (inout [UInt8]) -> Void) throws -> [UInt8] {
        var container = try CheckpointContainer(parsing: CheckpointValidationTests.good, file: "good")
        let index = try #require(container.sections.firstIndex { $0.tag == tag })
        edit(&container.sections[index].payload)
        return container.bytes
    }

    /// Replaces the first occurrence of `old` by `new` (of the same length).
    func replace(_ old: String, _ new: String, in bytes: inout [UInt8]) {
        let o = Array(old.utf8), n = Array(new.utf8)
        guard let start = (0 ... bytes.count - o.count).first(where: { Array(bytes[$0 ..< $0 + o.count]) == o }) else {
            Issue.record("'\(old)' not found")
            return
        }
        bytes.replaceSubrange(start ..< start + o.count, with: n)
    }

    /// A little-endian u32 of `bytes` at `offset`.
    func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0 ..< 4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    @Test func roundTrip() throws {
        let original = try CheckpointFixtures.checkpoint(afterSteps: 10)
        let bytes = try CheckpointWriter.encode(original)
        let read = try CheckpointReader.decode(bytes, file: "x")
        #expect(read.formatVersion == 1 && read.writerVersion == FoveaVersion.current && read.path == "x")
        #expect(read.network.spec == original.network.spec && read.network.inputShape == original.network.inputShape)
        #expect(read.parameters == original.parameters && read.velocity == original.velocity)
        #expect(read.optimizerStep == 10 && read.state == original.state && read.stepsPerEpoch == 8)
        #expect(read.state.epoch == 1 && read.state.stepInEpoch == 2)
        #expect(read.options == original.options && read.normalization == original.normalization)
        #expect(read.data == original.data && read.history == original.history && read.history.last?.epoch == 1)
        #expect(read.weightsSHA256 == original.weightsSHA256)
        // The same checkpoint always gives the same bytes.
        #expect(try CheckpointWriter.encode(read) == bytes)
        // weights_sha256 is the SHA-256 of the f32 tensor bytes in file order.
        #expect(SHA256Digest.hex(read.weightsSHA256).count == 64)
    }

    @Test(arguments: [
        ([UInt8](), "runs/x/last.fovea: byte 0: the file is empty, not a Fovea checkpoint (an interrupted copy? use another checkpoint)"),
        ([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03],
         "runs/x/last.fovea: byte 0: not a Fovea checkpoint: expected the magic bytes 46 4f 56 45 41 00 43 4b (\"FOVEA\\0CK\"), found 1f 8b 08 00 00 00 00 00 (gzip data: if this is a compressed checkpoint, gunzip it first)"),
        ([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28],
         "runs/x/last.fovea: byte 0: not a Fovea checkpoint: expected the magic bytes 46 4f 56 45 41 00 43 4b (\"FOVEA\\0CK\"), found 00 00 08 03 00 00 00 02 (an IDX data file such as MNIST's images or labels; checkpoints are the .fovea files fovea train writes)"),
        (Array("<html><body>".utf8),
         "runs/x/last.fovea: byte 0: not a Fovea checkpoint: expected the magic bytes 46 4f 56 45 41 00 43 4b (\"FOVEA\\0CK\"), found 3c 68 74 6d 6c 3e 3c 62 (checkpoints are the .fovea files fovea train writes)"),
        (Array("FOV".utf8), "runs/x/last.fovea: byte 3: the file ends early: it should have 12 bytes, found 3 (a truncated copy; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)"),
    ])
    func notACheckpoint(bytes: [UInt8], expected: String) {
        #expect(message(bytes) == expected)
    }

    /// Cut anywhere, the file is refused as truncated, never read.
    @Test func truncated() {
        let good = CheckpointValidationTests.good
        let total = good.count
        for (length, needed) in [(11, 12), (47, 48), (48, total), (200, total), (total / 2, total), (total - 1, total)] {
            #expect(message(Array(good.prefix(length))) == "runs/x/last.fovea: byte \(length): the file ends early: it should have \(needed) bytes, found \(length) (a truncated copy; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)")
        }
    }

    @Test func trailingBytes() {
        let good = CheckpointValidationTests.good
        #expect(message(good + [0, 0]) == "runs/x/last.fovea: byte \(good.count): 2 bytes after the end of the checkpoint (the header declares \(good.count) bytes, found \(good.count + 2); \(CheckpointValidationTests.damaged))")
    }

    /// One flipped bit in any section is caught by that section's CRC, and the message names it.
    @Test(arguments: [("META", "meta"), ("PARM", "params"), ("OPTM", "optimizer"), ("TRNR", "trainer")])
    func crcMismatchNamesTheSection(tag: String, name: String) throws {
        var bytes = CheckpointValidationTests.good
        let container = try CheckpointContainer(parsing: bytes, file: "good")
        let index = try #require(container.sections.firstIndex { $0.tag == tag })
        let section = container.sections[index]
        let start = section.fileOffset, end = section.fileOffset + section.payload.count
        bytes[start + section.payload.count / 2] ^= 0x10
        let stored = u32(bytes, 48 + 24 * index + 4)
        var corrupted = section.payload
        corrupted[section.payload.count / 2] ^= 0x10
        let computed = u32(CheckpointContainer(sections: [CheckpointSection(tag: tag, payload: corrupted)]).bytes, 52)
        func hex(_ v: UInt32) -> String { String(repeating: "0", count: 8 - String(v, radix: 16).count) + String(v, radix: 16) }
        #expect(message(bytes) == "runs/x/last.fovea: byte \(start): CRC-32 mismatch in section '\(name)' (bytes \(start)..<\(end)): stored \(hex(stored)), computed \(hex(computed)) (\(CheckpointValidationTests.damaged))")
    }

    @Test func headerAndTableCRCs() {
        var header = CheckpointValidationTests.good
        header[14] ^= 1  // in the writer's version
        #expect(message(header).hasPrefix("runs/x/last.fovea: byte 0: CRC-32 mismatch in the header (bytes 0..<44): stored "))
        var table = CheckpointValidationTests.good
        table[50] ^= 1  // in the first section's tag
        #expect(message(table).hasPrefix("runs/x/last.fovea: byte 48: CRC-32 mismatch in the section table (bytes 48..<144): stored "))
        #expect(message(table).hasSuffix("(\(CheckpointValidationTests.damaged))"))
    }

    @Test func newerVersion() throws {
        let container = try CheckpointContainer(parsing: CheckpointValidationTests.good, file: "good")
        let newer = CheckpointContainer(formatVersion: 7, writerVersion: "3.1.0", sections: container.sections).bytes
        #expect(message(newer) == "runs/x/last.fovea: byte 8: format version 7, written by Fovea 3.1.0; this build (Fovea \(FoveaVersion.current)) reads up to version 6 (use a newer Fovea)")
    }

    @Test func unknownLayer() throws {
        let bytes = try edited("META") { replace("relu", "gelu", in: &$0) }
        #expect(message(bytes) == "runs/x/last.fovea: byte 144: section 'meta', field 'model_spec': model spec, column 17, 'gelu': unknown layer 'gelu' (expected one of \(LayerRegistry.tokenList), or a preset: mnist-cnn, lenet-small, mlp, mnist-fast, vgg-bn, zoo, gausnet, autoencoder, denoiser) (this build of Fovea cannot rebuild the model; use the Fovea that wrote the file)")
    }

    @Test func shapeDoesNotMatchTheSpec() throws {
        // conv(4,5,pad=2) keeps the 12 × 12 output, so only the kernel tensor's shape differs.
        let bytes = try edited("META") { replace("conv(4,3,pad=1)", "conv(4,5,pad=2)", in: &$0) }
        let params = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "PARM" })
        // tensor_count u32, name (u32 + 18 bytes), then the rank.
        let rankOffset = params.fileOffset + 4 + 4 + "layer1.conv.weight".utf8.count
        #expect(message(bytes) == "runs/x/last.fovea: byte \(rankOffset): section 'params', tensor 'layer1.conv.weight': shape [4, 1, 3, 3] does not match the model spec, which needs [4, 1, 5, 5] (\(CheckpointValidationTests.damaged))")
    }

    @Test(arguments: [(UInt32(0x7FC0_0000), "nan"), (0x7F80_0000, "inf"), (0xFF80_0000, "-inf")])
    func nonFiniteWeights(bits: UInt32, shown: String) throws {
        // The values of layer1.conv.weight start after tensor_count, name, rank and 4 dims; element 2.
        let valueOffset = 4 + 4 + 18 + 4 + 16 + 2 * 4
        let bytes = try edited("PARM") { payload in
            for i in 0 ..< 4 { payload[valueOffset + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i))) }
        }
        let params = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "PARM" })
        #expect(message(bytes) == "runs/x/last.fovea: byte \(params.fileOffset + valueOffset): section 'params', tensor 'layer1.conv.weight', element 2 is \(shown) (the run had diverged; resume from an earlier checkpoint with a lower --lr)")
    }

    @Test func nonFiniteMomentum() throws {
        let bytes = try edited("OPTM") { payload in
            // optimizer u8, step u64, velocity_count u64, then velocity[0]
            payload.replaceSubrange(17 ..< 21, with: [0, 0, 0xC0, 0x7F])
        }
        let optimizer = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "OPTM" })
        #expect(message(bytes) == "runs/x/last.fovea: byte \(optimizer.fileOffset + 17): section 'optimizer', tensor 'layer1.conv.weight momentum', element 0 is nan (the run had diverged; resume from an earlier checkpoint with a lower --lr)")
    }

    /// Input dimensions of 2³² − 1 each (CRCs recomputed) are refused before anything multiplies
    /// them out.
    @Test func hugeInputDimensions() throws {
        let spec = CheckpointFixtures.spec
        let bytes = try edited("META") { payload in
            let dimensions = 4 + spec.utf8.count  // after model_spec str
            payload.replaceSubrange(dimensions ..< dimensions + 12, with: [UInt8](repeating: 0xFF, count: 12))
        }
        #expect(message(bytes).contains("an input of [4294967295, 4294967295, 4294967295] would hold more than 2147483648 values per sample"),
                "\(message(bytes))")
    }

    @Test func missingSection() throws {
        var container = try CheckpointContainer(parsing: CheckpointValidationTests.good, file: "good")
        container.sections.removeAll { $0.tag == "TRNR" }
        #expect(message(container.bytes) == "runs/x/last.fovea: no section 'trainer' (every version-1 checkpoint has meta, params, optimizer and trainer; \(CheckpointValidationTests.damaged))")
    }

    /// Sections of tags this version does not know are checked and skipped.
    @Test func unknownSectionIsSkipped() throws {
        var container = try CheckpointContainer(parsing: CheckpointValidationTests.good, file: "good")
        container.sections.append(CheckpointSection(tag: "XTRA", payload: [1, 2, 3]))
        let read = try CheckpointReader.decode(container.bytes, file: "x")
        #expect(read.state.globalStep == 10)
    }

    /// A field out of its range, with its name and offset (CRCs recomputed, as a buggy writer would).
    @Test func invalidField() throws {
        let bytes = try edited("TRNR") { payload in
            payload[4] = 9  // step_in_epoch 9 of 8
        }
        let trainer = try #require(try CheckpointContainer(parsing: bytes, file: "x").sections.first { $0.tag == "TRNR" })
        #expect(message(bytes) == "runs/x/last.fovea: byte \(trainer.fileOffset + 4): section 'trainer', field 'step_in_epoch': 9 is outside epoch 2 of 2, which has 8 steps (\(CheckpointValidationTests.damaged))")
    }

    @Test func unreadable() {
        #expect(throws: CheckpointError.unreadable(file: "/nonexistent/last.fovea", reason: "No such file or directory")) {
            try CheckpointReader.read("/nonexistent/last.fovea")
        }
        #expect(CheckpointError.unreadable(file: "a", reason: "No such file or directory").description == "a: cannot read: No such file or directory (check the path)")
    }

    /// The writer refuses weights that are not finite, so a diverged run never replaces a good file.
    @Test func writerRefusesNonFiniteWeights() throws {
        var checkpoint = try CheckpointFixtures.checkpoint(afterSteps: 3)
        checkpoint.parameters[37] = .infinity  // layer1.conv.bias [4] follows the 36 values of the kernel
        #expect(throws: CheckpointError.notSavedNonFinite(file: "runs/x/last.fovea", tensor: "layer1.conv.bias", index: 1, value: .infinity)) {
            try CheckpointWriter.encode(checkpoint, file: "runs/x/last.fovea")
        }
        #expect(CheckpointError.notSavedNonFinite(file: "f", tensor: "t", index: 1, value: .nan).description
            == "f: not saved: parameter 't', element 1 is nan (the run diverged; the previous checkpoint is kept; train again with a lower --lr)")
    }
}
