import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea make-dataset gaussians`: flags, refusals, the files, and training GausNet on them.
@Suite struct MakeDatasetCommandTests {
    @Test(arguments: [
        (["--out", "x", "--size", "4"], "--size: must be 8…512 pixels, got 4"),
        (["--out", "x", "--count", "0"], "--count: must be at least 1, got 0"),
        (["--out", "x", "--count", "10", "--test-count", "0"], "--test-count: must be at least 1, got 0"),
        (["--out", "x", "--sigma", "3"], "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 91, got 3.0"),
        (["--out", "x", "--sigma", "3,x"], "--sigma: must be two widths in pixels, A,B (e.g. 20,27), got '3,x'"),
        (["--out", "x", "--sigma", "3,-2"], "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 91, got 3.0,-2.0"),
        (["--out", "x", "--noise=-1"], "--noise: must be a number from 0 to 10 (the noise's standard deviation as a fraction of full scale, e.g. 0.2), got -1.0"),
        (["--out", "x", "--noise", "nan"], "--noise: must be a number from 0 to 10 (the noise's standard deviation as a fraction of full scale, e.g. 0.2), got nan"),
        (["--out", "", "--count", "10"], "--out must name a folder"),
    ])
    func rejectsBadFlags(arguments: [String], message: String) {
        do {
            _ = try GaussiansCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(GaussiansCommand.message(for: error) == message)
        }
    }

    /// The command writes the folder and says what it holds; a second run into it is refused
    /// (exit 1, one line) unless --force; the files are the same whatever --threads.
    @Test func writesAndRefusesAFolderInUse() throws {
        let root = try CommandFixtures.temporaryDirectory(prefix: "fovea-blobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("blobs").path
        let flags = ["--count", "30", "--size", "24", "--sigma", "2,4", "--noise", "0.1", "--seed", "3"]
        let console = CapturingConsole()
        try GaussiansCommand.parse(["--out", out, "--threads", "1"] + flags).run(console: console)
        #expect(console.output == """
            \(out): 30 training and 6 test images 24×24 of one Gaussian blob each: class 0 σ 2 px, class 1 σ 4 px (±5 %), noise 0.1, seed 3
            wrote train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz

            """)
        let refused = CapturingConsole()
        #expect(throws: ExitCode.failure) { try GaussiansCommand.parse(["--out", out] + flags).run(console: refused) }
        #expect(refused.errors == ["fovea: \(out): the folder is not empty (it holds t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, train-images-idx3-ubyte.gz and 1 more); choose a new folder, or pass --force to replace the data set files in it"])
        let before = try GaussianBlobs.fileNames.map { try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent($0)) }
        try GaussiansCommand.parse(["--out", out, "--force", "--threads", "2"] + flags).run(console: CapturingConsole())
        let after = try GaussianBlobs.fileNames.map { try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent($0)) }
        #expect(before == after)
    }

    /// `fovea train --data DIR --model gausnet --loss bce` trains on the folder and learns the
    /// two widths (little noise, a few hundred images).
    @Test func gausnetTrainsOnTheBlobs() throws {
        let root = try CommandFixtures.temporaryDirectory(prefix: "fovea-blobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        try GaussiansCommand.parse(["--out", data, "--count", "600", "--test-count", "200", "--noise", "0.1"]).run(console: CapturingConsole())
        let console = CapturingConsole()
        try TrainCommand.parse(["--data", data, "--model", "gausnet", "--loss", "bce", "--epochs", "3", "--json", "--threads", "2",
                                "--run-dir", root.appendingPathComponent("run").path]).run(console: console, stopCheck: { nil })
        let lines = console.output.split(separator: "\n")
        let lastLine = try #require(lines.last)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        let accuracy = try #require(last["test_accuracy"] as? Double)
        #expect(accuracy > 0.8, "GausNet test accuracy \(accuracy)")
        #expect(console.errors.first?.hasPrefix("model: gausnet: conv(6,3,pad=1) relu avgpool(2) conv(4,3,pad=1) relu avgpool(2) flatten dense(50) dense(1)") == true)
    }
}
