import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

@Suite struct AugmentPreviewCommandTests {
    /// The PNG decodes to the documented size; the first column holds the training digits as
    /// they are, the others differ from them; the same flags give the same file.
    @Test func writesADecodableGrid() throws {
        let folder = try CommandFixtures.temporaryDirectory(prefix: "fovea-preview")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("preview.png").path
        let arguments = ["--data", mnistDirectory, "--augment", "standard", "--samples", "2", "--variants", "3", "--first", "5",
                         "--zoom", "1", "--out", out]
        let console = CapturingConsole()
        try AugmentPreviewCommand.parse(arguments).run(console: console)
        let image = try PNGReader.read(out)
        // 4 columns of 28 with 5 gaps of 2 and 4 more after the first column; 2 rows, 3 gaps.
        #expect(image.width == 4 * 28 + 5 * 2 + 4 && image.height == 2 * 28 + 3 * 2)
        #expect(console.output == "\(out): 126×62 PNG, 2 training images (5…6) × 3 variants, augmentation standard: translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°, seed 1\n")

        let train = try MNISTDataset(directory: mnistDirectory).train
        let digits = train.withPixels { Array($0[5 * 784 ..< 7 * 784]) }
        func cell(row: Int, column: Int) -> [UInt8] {
            let x0 = 2 + column * 30 + (column > 0 ? 4 : 0), y0 = 2 + row * 30
            return (0 ..< 28).flatMap { y in (0 ..< 28).map { x in image[y0 + y, x0 + x] } }
        }
        for row in 0 ..< 2 {
            let digit = Array(digits[row * 784 ..< (row + 1) * 784])
            #expect(cell(row: row, column: 0) == digit, "row \(row): the first column is the original")
            for column in 1 ... 3 { #expect(cell(row: row, column: column) != digit, "row \(row), variant \(column)") }
            // Variant v is what epoch v of training shows: sample 5 + row, seed 1.
            let augmenter = Augmenter(configuration: .standard, height: 28, width: 28)
            let expected = augmenter.augmented(digit, stream: Augmenter.stream(seed: 1, epoch: 1, index: 5 + row)).map { UInt8($0.rounded()) }
            #expect(cell(row: row, column: 2) == expected)
        }
        let again = folder.appendingPathComponent("again.png").path
        try AugmentPreviewCommand.parse(Array(arguments.dropLast()) + [again]).run(console: CapturingConsole())
        #expect(FileManager.default.contents(atPath: again) == FileManager.default.contents(atPath: out))
    }

    /// Bad flags of either command are refused before anything runs, with one sentence naming
    /// the flag.
    @Test(arguments: [
        (["--elastic-sigma=-1"], "--elastic-sigma must be a positive number of pixels, got -1.0"),
        (["--augment", "strong", "--scale", "1"], "--scale must be in [0, 1) (the size factor is 1 ± scale), got 1.0"),
        (["--rotate", "200"], "--rotate must be in 0…180 degrees, got 200.0"),
        (["--translate=-2"], "--translate must be 0 or more pixels, got -2.0"),
        (["--shear", "75"], "--shear must be in 0…60 degrees, got 75.0"),
        (["--elastic-alpha=-1"], "--elastic-alpha must be 0 or more pixels, got -1.0"),
        (["--noise", "2"], "--noise must be in 0…1 (a fraction of full scale), got 2.0"),
        (["--noise", "nan"], "--noise must be in 0…1 (a fraction of full scale), got nan"),
    ])
    func rejectsBadAugmentationFlags(arguments: [String], message: String) {
        for command in [TrainCommand.self, AugmentPreviewCommand.self] as [any ParsableCommand.Type] {
            let extra = command == AugmentPreviewCommand.self ? ["--out", "x.png"] : []
            do {
                _ = try command.parseAsRoot(arguments + extra)
                Issue.record("\(command): \(arguments) was accepted")
            } catch {
                #expect(command.message(for: error) == message, "\(command)")
            }
        }
    }

    @Test(arguments: [
        (["--samples", "0"], "--samples must be in 1…1000, got 0"),
        (["--variants", "101"], "--variants must be in 1…100, got 101"),
        (["--zoom", "0"], "--zoom must be in 1…16, got 0"),
        (["--first=-1"], "--first must be 0 or more, got -1"),
    ])
    func rejectsBadPreviewFlags(arguments: [String], message: String) {
        do {
            _ = try AugmentPreviewCommand.parse(arguments + ["--out", "x.png"])
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(AugmentPreviewCommand.message(for: error) == message)
        }
    }

    @Test func presetNamesAreChecked() {
        #expect(throws: (any Error).self) { try AugmentPreviewCommand.parse(["--augment", "medium", "--out", "x.png"]) }
        #expect(throws: (any Error).self) { try AugmentPreviewCommand.parse([]) }  // --out is required
    }

    /// Run-time failures are one line and exit status 1.
    @Test func failuresAreOneLine() throws {
        func expectFailure(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let console = CapturingConsole()
            let command = try AugmentPreviewCommand.parse(["--data", mnistDirectory] + arguments)
            #expect(throws: ExitCode.failure, sourceLocation: sourceLocation) { try command.run(console: console) }
            #expect(console.errors == [message], sourceLocation: sourceLocation)
        }
        try expectFailure(["--first", "59999", "--samples", "2", "--out", "x.png"],
                          "fovea: --first, --samples: images 59999…60000 asked for, the training set has 60000 (show fewer)")
        try expectFailure(["--samples", "1", "--out", "/nonexistent/folder/x.png"],
                          "fovea: /nonexistent/folder/x.png: cannot write: creating /nonexistent/folder/.x.png.tmp-\(getpid()): No such file or directory (check that the folder exists and is writable)")
    }

    /// `fovea train --augment` trains and says what augmentation it uses.
    @Test func trainWithAugmentation() throws {
        let runDirectory = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let console = try CommandFixtures.train(["--epochs", "1", "--augment", "strong", "--rotate", "5", "--json", "--threads", "2",
                                                 "--run-dir", runDirectory.path])
        #expect(console.errors.count == 5)  // model, data, training, augmentation, run dir
        #expect(console.errors.contains("augmentation: translate ±2.5 px, rotate ±5°, scale ±10%, shear ±5°, elastic α 34 σ 4 px"))
        #expect(console.output.split(separator: "\n").count == 1)
    }
}
