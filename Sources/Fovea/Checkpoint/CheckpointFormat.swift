/// The Fovea checkpoint file, format version 6. `docs/checkpoint-format.md` is the full spec;
/// this comment mirrors it.
///
/// Version 2 adds the `AUGM` section (training-image augmentation) and schedule code 3
/// (onecycle). Version 3 names the optimizer in `OPTM` with its hyper-parameters as key/value
/// pairs and its state as named tensors, names the loss in `META` (which no longer holds SGD's
/// hyper-parameters), and adds `STAT` (the layers' non-trainable state). Version 4 adds `CLIP`
/// (the gradient-norm clipping of `--clip-grad-norm`). Version 5 adds `ESTP` (the early stopping
/// of `--early-stop`: its patience, the count, and whether the run stopped). Version 6 adds `TASK`
/// (what the output is compared with, `--target`, and the input corruption of a denoising run,
/// `--input-noise` and `--occlude`). A checkpoint is written
/// in the lowest version that holds it (`version(for:)`), byte for byte what that version's
/// writer writes, so that older readers keep reading what they can and refuse the rest.
///
/// Every number is little-endian. `str` is a `u32` byte count then that many bytes of UTF-8;
/// `f32`/`f64` are IEEE 754 bit patterns; `sha256` is 32 raw bytes.
///
/// Header, 48 bytes. Bytes 0 ..< 28 keep this layout in every format version, so that any build
/// can say which version and which Fovea wrote a file it cannot read.
/// ```
/// offset size  type      field            rule on read
/// 0      8     bytes     magic            46 4F 56 45 41 00 43 4B ("FOVEA\0CK"), else "not a Fovea checkpoint"
/// 8      4     u32       format_version   1 ... 6 (this build); larger: "newer format version"
/// 12     16    ASCII     fovea_version    the writer's version, NUL-padded
/// 28     4     u32       section_count    n, 1 ... 64
/// 32     8     u64       file_length      the file's exact size: shorter is "truncated", longer "trailing bytes"
/// 40     4     u32       table_crc32      CRC-32 (zlib) of the section table, bytes 48 ..< 48 + 24n
/// 44     4     u32       header_crc32     CRC-32 of bytes 0 ..< 44
/// ```
/// Section table, `n` entries of 24 bytes from offset 48:
/// ```
/// +0     4     ASCII     tag              META, PARM, OPTM, TRNR, AUGM, STAT, CLIP, ESTP, TASK (others: CRC-checked, then skipped)
/// +4     4     u32       crc32            CRC-32 of the section's payload
/// +8     8     u64       offset           the first payload starts at 48 + 24n, each next one where
///                                         the previous ends; the last ends at file_length
/// +16    8     u64       length           payload bytes
/// ```
/// Sections (each tag exactly once, AUGM, STAT, CLIP, ESTP and TASK at most once; fields in this order, no
/// padding; the payload must end exactly after its last field):
/// ```
/// META  model_spec str (canonical; must parse and build), input_channels u32, input_height u32,
///       input_width u32, classes u32 (2...256), [v3: loss str (a `LossRegistry` name; compared
///       with TASK's target, else the loss's default: labels for the cross-entropies, the clean
///       input for mse and l1)],
///       normalization_mean f32, normalization_std f32 (> 0),
///       epochs u32 (planned total, ≥ 1), batch_size u32 (≥ 1), [v1, v2: learning_rate f64 (> 0),
///       momentum f64 ([0, 1)), nesterov u8 (0/1), weight_decay f64 (≥ 0)],
///       schedule u8 (0 constant, 1 step, 2 cosine, 3 onecycle), lr_step_epochs u32 (≥ 1), lr_gamma f64 ((0, 1]),
///       warmup_epochs f64 (≥ 0), seed u64, data_directory str, limit u64 (0: none),
///       validation u64, train_samples u64 (≥ 1), train_sha256, validation_samples u64 (= validation),
///       validation_sha256, test_samples u64, test_sha256
/// PARM  tensor_count u32, then per tensor: name str, rank u32 (1...8), dims u32 × rank,
///       values f32 × Π dims. Names, order and shapes must be the model spec's; values finite.
/// OPTM  v1, v2: optimizer u8 (1: SGD with momentum), step u64 (= global_step), velocity_count u64
///       (= parameter count), velocity f32 × velocity_count (finite; parameter order)
///       v3: optimizer str (an `OptimizerRegistry` name), hyper_parameter_count u32, then per
///       hyper-parameter key str, value f64 (the kind's, in its order and ranges), step u64
///       (= global_step), state_count u32, then per state tensor name str (the kind's
///       `stateNames` in order), count u64 (= parameter count), values f32 × count (finite)
/// TRNR  epoch u32 (completed, ≤ epochs), step_in_epoch u32 (< steps_per_epoch),
///       steps_per_epoch u32 (= ⌈train_samples / batch_size⌉),
///       global_step u64 (= epoch · steps_per_epoch + step_in_epoch),
///       epoch_loss_sum f64, epoch_correct u64 (the unfinished epoch's totals so far),
///       [version 6: epoch_squared_error_sum f64, the unfinished epoch's summed squared error],
///       last_evaluation, best: each an evaluation record:
///       epoch u32 (0: none), test_loss f64, test_accuracy f64, validation_loss f64,
///       validation_accuracy f64 (NaN: not measured; accuracies in [0, 1]); best is the epoch of
///       the best metric (`SelectionMetric`), the epoch best.fovea holds
/// AUGM  (version 2; absent: no augmentation) translation f64 (≥ 0 px), rotation f64 (0…180°),
///       scale f64 ([0, 1)), shear f64 (0…60°), elastic_alpha f64 (≥ 0 px),
///       elastic_sigma f64 (> 0 px), noise f64 (0…1), all finite: `AugmentationConfiguration`
/// STAT  (version 3; present exactly when the model has state tensors) as PARM, for the model
///       spec's state tensors (`Network.stateTensors`)
/// CLIP  (version 4; absent: no clipping) max_norm f64 (finite, > 0): `GradientClipping`
/// ESTP  (version 5; absent: no early stopping) patience u32 (1...10000), metric u8 (1 validation
///       accuracy, 2 test accuracy, 3 validation loss, 4 test loss: the figure of TRNR's best
///       record that improvement is judged by; = the run's: validation if validation > 0, loss if
///       the loss does not classify), epochs_without_improvement u32 (= TRNR epoch − best.epoch,
///       or epoch if best.epoch is 0), stopped u8 (0: not stopped; 1: stopped early after TRNR
///       epoch: then step_in_epoch = 0 and epochs_without_improvement ≥ patience): `EarlyStopping`
/// TASK  (version 6; present exactly when the target is not the loss's default or the corruption
///       is not the identity; absent: the loss's default target, no corruption) target u8
///       (0 labels, 1 input; one of the loss's `targets`), input_noise f64 (finite, 0…1),
///       occlusion u32 (0…65536, < input_height and < input_width); a non-zero noise or
///       occlusion needs target 1: `TrainingTarget`, `InputCorruption`
/// ```
/// The random generators are counter-based (`RandomStream`): shuffling is keyed by
/// (seed, epoch), dropout by (seed, global_step), augmentation and corruption by (seed, epoch,
/// sample) (evaluation's corruption by (seed, 2⁶⁴ − 1, sample)), and the learning rate is a
/// function of global_step, so seed, epoch and global_step are their whole state.
public enum CheckpointFormat {
    /// `FOVEA\0CK`.
    public static let magic: [UInt8] = [0x46, 0x4F, 0x56, 0x45, 0x41, 0x00, 0x43, 0x4B]
    /// The newest version this build reads and writes (see `version(for:)`).
    public static let version = 6

    /// The lowest version that holds a run with these options: 6 if it corrupts its inputs (an
    /// older reader would resume it as a plain autoencoder), else 4 if it clips its gradient's
    /// norm (an older reader would resume it without clipping), else 3 if its optimizer is not
    /// SGD (versions 1 and 2 know no other and hold SGD's four hyper-parameters as fixed
    /// fields), else 2 if it uses augmentation or the onecycle schedule, else 1.
    public static func version(for options: TrainingOptions) -> Int {
        if !options.corruption.isIdentity { return 6 }
        if options.gradientClipping != nil { return 4 }
        if !(options.optimizer is SGD) { return 3 }
        return options.augmentation.isIdentity && options.schedule.kind != .onecycle ? 1 : 2
    }

    /// The lowest version that holds `checkpoint`: 6 if it needs a `TASK` section
    /// (`Checkpoint.holdsTask`: a target other than its loss's default, or a corruption; an older
    /// reader would skip the section and resume another task), else 5 if the run stops early (an
    /// older reader would skip `ESTP` and resume it without early stopping), else its options'
    /// (`version(for:)`), but at least 3 if its loss is not softmax cross-entropy or a layer keeps
    /// state (versions 1 and 2 hold neither).
    public static func version(for checkpoint: Checkpoint) -> Int {
        // 6 also for a mid-epoch checkpoint of a loss that does not classify: TRNR's
        // epoch_squared_error_sum (version 6) keeps the epoch's training MSE.
        if checkpoint.holdsTask || (!checkpoint.network.loss.classifies && checkpoint.state.stepInEpoch > 0) { return 6 }
        if checkpoint.earlyStopping != nil { return 5 }
        let network = checkpoint.network
        let needsVersion3 = network.loss != SoftmaxCrossEntropy.self || network.stateCount > 0
        return max(needsVersion3 ? 3 : 1, version(for: checkpoint.options))
    }
    /// Bytes of the header, before the section table.
    static let headerSize = 48
    /// Bytes of one section-table entry.
    static let tableEntrySize = 24
    /// Bytes of the writer's version field.
    static let writerVersionSize = 16
    static let maximumSections = 64

    /// The sections: tag in the file, name in messages.
    enum SectionTag: String, CaseIterable {
        case meta = "META", parameters = "PARM", optimizer = "OPTM", trainer = "TRNR", augmentation = "AUGM", layerState = "STAT"
        case clipping = "CLIP", earlyStopping = "ESTP", task = "TASK"

        var name: String {
            switch self {
            case .meta: "meta"
            case .parameters: "params"
            case .optimizer: "optimizer"
            case .trainer: "trainer"
            case .augmentation: "augmentation"
            case .layerState: "state"
            case .clipping: "clipping"
            case .earlyStopping: "early_stopping"
            case .task: "task"
            }
        }
    }
}

/// One section of a checkpoint file: a four-letter tag and its payload bytes.
public struct CheckpointSection: Sendable, Equatable {
    public var tag: String
    public var payload: [UInt8]
    /// Offset of the payload in the file it was read from (0 for a section built in memory).
    public internal(set) var fileOffset: Int

    public init(tag: String, payload: [UInt8]) {
        self.tag = tag
        self.payload = payload
        fileOffset = 0
    }
}

/// The container layer of a checkpoint: header, section table and CRC-32s, knowing nothing of
/// what the sections hold. `bytes` writes a file; `init(parsing:file:)` refuses, with a one-line
/// reason, any file whose header, table, lengths or checksums are not exactly right.
public struct CheckpointContainer: Sendable, Equatable {
    public var formatVersion: Int
    /// The Fovea version that wrote the file (at most 16 ASCII characters).
    public var writerVersion: String
    public var sections: [CheckpointSection]

    public init(formatVersion: Int = CheckpointFormat.version, writerVersion: String = FoveaVersion.current,
                sections: [CheckpointSection]) {
        self.formatVersion = formatVersion
        self.writerVersion = writerVersion
        self.sections = sections
    }

    /// The whole file.
    public var bytes: [UInt8] {
        let tableEnd = CheckpointFormat.headerSize + CheckpointFormat.tableEntrySize * sections.count
        let length = tableEnd + sections.reduce(0) { $0 + $1.payload.count }
        var table = ByteEncoder(capacity: tableEnd - CheckpointFormat.headerSize)
        var offset = tableEnd
        for section in sections {
            table.ascii(section.tag, size: 4)
            table.u32(CRC32.checksum(section.payload))
            table.u64(offset)
            table.u64(section.payload.count)
            offset += section.payload.count
        }
        var file = ByteEncoder(capacity: length)
        file.raw(CheckpointFormat.magic)
        file.u32(formatVersion)
        file.ascii(writerVersion, size: CheckpointFormat.writerVersionSize)
        file.u32(sections.count)
        file.u64(length)
        file.u32(CRC32.checksum(table.bytes))
        file.u32(CRC32.checksum(file.bytes))
        file.raw(table.bytes)
        for section in sections { file.raw(section.payload) }
        return file.bytes
    }

    /// Parses and checks a file's container: magic, version, header and table CRCs, exact length,
    /// contiguous sections and each section's CRC. `file` names the file in errors.
    public init(parsing bytes: [UInt8], file: String) throws(CheckpointError) {
        let magic = CheckpointFormat.magic
        if bytes.isEmpty { throw CheckpointError.empty(file: file) }
        guard bytes.starts(with: magic.prefix(bytes.count)) else {
            throw CheckpointError.notACheckpoint(file: file, found: Array(bytes.prefix(8)))
        }
        func require(_ count: Int) throws(CheckpointError) {
            if bytes.count < count {
                throw CheckpointError.truncated(file: file, expected: count, found: bytes.count)
            }
        }
        try require(12)
        var header = SectionDecoder(bytes: bytes, file: file, section: "header", base: 0)
        header.position = 8
        let version = Int(try header.u32("format_version"))
        guard version >= 1 else {
            throw CheckpointError.invalidField(file: file, offset: 8, section: "header", field: "format_version",
                                               message: "version 0 does not exist")
        }
        guard version <= CheckpointFormat.version else {
            let writer = bytes.count >= 28 ? CheckpointContainer.writerVersion(bytes[12 ..< 28]) : "an unknown version"
            throw CheckpointError.newerVersion(file: file, version: version, writtenBy: writer)
        }
        try require(CheckpointFormat.headerSize)
        let writer = CheckpointContainer.writerVersion(bytes[12 ..< 28])
        header.position = 28
        let count = Int(try header.u32("section_count"))
        let declaredLength = try header.u64("file_length")
        let tableCRC = try header.u32("table_crc32")
        let headerCRC = try header.u32("header_crc32")
        let computedHeaderCRC = CRC32.checksum(bytes[0 ..< 44])
        guard headerCRC == computedHeaderCRC else {
            throw CheckpointError.checksumMismatch(file: file, what: "the header", range: 0 ..< 44, stored: headerCRC, computed: computedHeaderCRC)
        }
        guard declaredLength <= bytes.count else {
            throw CheckpointError.truncated(file: file, expected: declaredLength, found: bytes.count)
        }
        guard declaredLength == bytes.count else {
            throw CheckpointError.trailingBytes(file: file, expected: declaredLength, found: bytes.count)
        }
        guard (1 ... CheckpointFormat.maximumSections).contains(count) else {
            throw CheckpointError.invalidField(file: file, offset: 28, section: "header", field: "section_count",
                                               message: "\(count) sections (expected 1 to \(CheckpointFormat.maximumSections))")
        }
        let tableEnd = CheckpointFormat.headerSize + CheckpointFormat.tableEntrySize * count
        guard tableEnd <= bytes.count else {
            throw CheckpointError.truncated(file: file, expected: tableEnd, found: bytes.count)
        }
        let computedTableCRC = CRC32.checksum(bytes[CheckpointFormat.headerSize ..< tableEnd])
        guard tableCRC == computedTableCRC else {
            throw CheckpointError.checksumMismatch(file: file, what: "the section table", range: CheckpointFormat.headerSize ..< tableEnd,
                                                   stored: tableCRC, computed: computedTableCRC)
        }
        var table = SectionDecoder(bytes: bytes, file: file, section: "section table", base: 0)
        table.position = CheckpointFormat.headerSize
        var sections: [CheckpointSection] = []
        var expectedOffset = tableEnd
        for _ in 0 ..< count {
            let tag = try table.ascii("tag", size: 4)
            let crc = try table.u32("crc32")
            let offsetField = table.position
            let offset = try table.u64("offset")
            let length = try table.u64("length")
            guard offset == expectedOffset else {
                throw CheckpointError.invalidField(file: file, offset: offsetField, section: "section table", field: "offset of '\(tag)'",
                                                   message: "\(offset), expected \(expectedOffset) (sections follow the table back to back)")
            }
            guard length <= bytes.count - offset else {
                throw CheckpointError.invalidField(file: file, offset: offsetField + 8, section: "section table", field: "length of '\(tag)'",
                                                   message: "\(length) bytes from byte \(offset) run past the end of the file (\(bytes.count) bytes)")
            }
            let payload = Array(bytes[offset ..< offset + length])
            let computed = CRC32.checksum(payload)
            guard computed == crc else {
                let name = CheckpointFormat.SectionTag(rawValue: tag)?.name ?? tag
                throw CheckpointError.checksumMismatch(file: file, what: "section '\(name)'", range: offset ..< offset + length,
                                                       stored: crc, computed: computed)
            }
            var section = CheckpointSection(tag: tag, payload: payload)
            section.fileOffset = offset
            sections.append(section)
            expectedOffset = offset + length
        }
        guard expectedOffset == bytes.count else {
            throw CheckpointError.invalidField(file: file, offset: expectedOffset, section: "section table", field: "length",
                                               message: "the sections end at byte \(expectedOffset) but the file has \(bytes.count) bytes")
        }
        self.formatVersion = version
        self.writerVersion = writer
        self.sections = sections
    }

    /// The NUL-padded ASCII version field.
    private static func writerVersion(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}
