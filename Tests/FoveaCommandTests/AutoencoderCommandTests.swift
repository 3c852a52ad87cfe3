import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --target`, `--input-noise`, `--occlude` and what autoencoder runs report: the
/// refusals before anything trains, the MSE and PSNR keys of each epoch, and `fovea eval`'s
/// figures and `--png` grid.
@Suite struct AutoencoderCommandTests {
    @Test(arguments: [
        (["--target", "pixels"], "--target must be one of labels, input, got 'pixels'"),
        (["--loss", "mse", "--input-noise", "1.5"], "--input-noise must be a fraction of full scale in 0…1, got 1.5"),
        (["--loss", "mse", "--occlude=-2"], "--occlude must be a patch side of 0…65536 pixels, got -2"),
    ])
    func rejectsBadValues(arguments: [String], message: String) {
        CommandFixtures.expectRefusal(TrainCommand.self, arguments, message)
    }

    /// A target the loss cannot compare with, an output that does not fit the target, or a
    /// corruption without an image target is refused before training, naming the flag.
    @Test(arguments: [
        (["--target", "input", "--model", "autoencoder"],
         "fovea: --target input: softmax cross-entropy compares the output with the class labels, not with the clean input image, normalised as the network sees it (use --target labels, or --loss mse or l1 to compare with input)"),
        (["--loss", "mse", "--target", "labels", "--model", "autoencoder"],
         "fovea: --loss mse --target labels: a regression on the label's value (--target labels) needs one output per sample, but the network ends in [1, 28, 28] (end it with 'dense(1)', or use --target input to rebuild the input)"),
        (["--target", "input", "--loss", "l1", "--model", "flatten dense(10)"],
         "fovea: --loss l1 --target input: the network must end in the input's shape [1, 28, 28] to rebuild it (--target input), but it ends in [10] (end it in 1 channel of 28×28, e.g. with transposed convolutions or upsampling)"),
        (["--input-noise", "0.2", "--model", "mnist-fast"],
         "fovea: --input-noise 0.2: corrupting the input makes a denoising autoencoder, whose target is the clean input, but this run compares with the class labels (add --target input with --loss mse or l1; to add noise to a classifier's training images, use the augmentation flag --noise)"),
        (["--loss", "mse", "--model", "autoencoder", "--occlude", "28"],
         "--occlude 28: the patch must be smaller than the 28×28 images (use at most 27)"),
    ])
    func refusesWhatCannotTrain(arguments: [String], message: String) throws {
        let runs = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runs) }
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--run-dir", runs.path] + arguments)
                .run(console: console, stopCheck: { nil })
        }
        #expect(console.errors == [message.hasPrefix("fovea: ") ? message : "fovea: " + message])
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".fovea") }.isEmpty)
    }

    /// A denoising run reports MSE and PSNR (not accuracy) per epoch, improves, and `fovea eval`
    /// of its checkpoint prints the same test figures, per class too, and draws the grid.
    @Test func denoisingRunAndEval() throws {
        let runs = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runs) }
        let console = CapturingConsole()
        try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--run-dir", runs.path, "--model", "autoencoder", "--loss", "mse",
                                "--input-noise", "0.3", "--occlude", "6", "--optimizer", "adam", "--lr", "0.003", "--epochs", "2",
                                "--batch-size", "32", "--validation", "100", "--json", "--threads", "2"])
            .run(console: console, stopCheck: { nil })
        let epochs = try console.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(epochs.count == 2)
        for key in ["train_mse", "train_psnr", "test_mse", "test_psnr", "validation_mse", "validation_psnr"] {
            #expect(epochs.allSatisfy { $0[key] is Double }, "\(key)")
        }
        #expect(epochs.allSatisfy { $0["test_accuracy"] == nil && $0["train_accuracy"] == nil })
        let (first, last) = (try #require(epochs[0]["test_psnr"] as? Double), try #require(epochs[1]["test_psnr"] as? Double))
        #expect(last > first && last > 10, "test PSNR \(first) → \(last)")
        #expect(console.errors.contains { $0.hasPrefix("input corruption: Gaussian noise σ 0.3 of full scale and a 6×6 patch set to background") })

        let checkpoint = runs.appendingPathComponent("last.fovea").path
        let eval = CapturingConsole()
        try EvalCommand.parse([checkpoint, "--json", "--threads", "1"]).run(console: eval)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(eval.output.utf8)) as? [String: Any])
        #expect(try #require(figures["per_class_mse"] as? [Any]).count == 10)
        #expect(try #require(figures["per_class_psnr"] as? [Any]).count == 10)
        #expect(figures["accuracy"] == nil)
        #expect(abs(try #require(figures["mse"] as? Double) - #require(epochs[1]["test_mse"] as? Double)) < 1e-15)

        let picture = runs.appendingPathComponent("grid.png").path
        let drawn = CapturingConsole()
        try EvalCommand.parse([checkpoint, "--png", picture, "--count", "5"]).run(console: drawn)
        #expect(drawn.output.contains("\(picture): 264×432 PNG: the first 5 test images, one per row: clean input | corrupted input | reconstruction"))
        let image = try PNGReader.read(picture)
        #expect(image.width == 264 && image.height == 432)
        #expect(drawn.output.split(separator: "\n").contains { $0.hasPrefix("loss ") && $0.contains(" psnr ") && $0.contains(" dB (200 samples)") })
    }

    /// `--png` needs a model that rebuilds its input.
    @Test func pngNeedsAnAutoencoder() throws {
        let runs = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runs) }
        try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--run-dir", runs.path, "--model", "flatten dense(10)", "--epochs", "1"])
            .run(console: CapturingConsole(), stopCheck: { nil })
        let checkpoint = runs.appendingPathComponent("last.fovea").path
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            try EvalCommand.parse([checkpoint, "--png", runs.appendingPathComponent("g.png").path]).run(console: console)
        }
        #expect(console.errors == ["fovea: --png: \(checkpoint): the model compares its output with the class labels (loss softmax cross-entropy), not with its input, so it rebuilds no image (use a checkpoint trained with --target input)"])
    }
}
