import Foundation
import Fovea
import FoveaCommands
import Testing

/// The README's 99.6 % recipe, run by `fovea train` on an MNIST-style folder that is not
/// MNIST-shaped, with only `--data`, `--run-dir` and the number of epochs changed: nothing in the
/// loader, the model, the augmentation or the evaluation may assume 28 × 28 images or
/// 60,000 / 10,000 samples.
@Suite struct OtherShapeDataCommandTests {
    /// Non-square, so that swapping height and width breaks the run too.
    static let height = 20, width = 16
    static let trainCount = 500, testCount = 130

    /// The recipe's flags from README.md, as `fovea train` takes them.
    static let recipe = ["--model", "conv(32,3) relu conv(32,3) relu maxpool(2) conv(64,3) relu conv(64,3) relu maxpool(2) flatten dense(256) relu dropout(0.5) dense(10)",
                         "--augment", "standard", "--batch-size", "64", "--lr", "0.04", "--warmup", "1",
                         "--weight-decay", "0.0005", "--seed", "1"]

    /// One 3 × 3 block pattern per class, rows top to bottom, so that the classes differ in shape
    /// (which survives the recipe's shifts of ±2.5 pixels), not in position.
    static let glyphs: [[String]] = [["###", "#.#", "###"], [".#.", ".#.", ".#."], ["...", "###", "..."], ["#..", ".#.", "..#"],
                                     ["..#", ".#.", "#.."], ["###", "#..", "###"], ["###", "..#", "###"], ["#.#", "#.#", "###"],
                                     ["###", "#.#", "#.#"], ["#.#", ".#.", "#.#"]]

    /// `count` images `[count, 20, 16]` of 10 classes, gzip-compressed IDX files with `.gz` names:
    /// class `c` is glyph `c` drawn with bright 4 × 4 blocks in the middle of a dark image with
    /// some texture, so that a few steps of training beat chance clearly.
    static func write(_ prefix: String, count: Int, firstSample: Int, to folder: URL) throws {
        var pixels = [UInt8](repeating: 0, count: count * height * width)
        var labels = [UInt8](repeating: 0, count: count)
        let top = (height - 12) / 2, left = (width - 12) / 2
        for n in 0 ..< count {
            let sample = firstSample + n
            let label = sample * 7 % 10
            labels[n] = UInt8(label)
            for h in 0 ..< height {
                for w in 0 ..< width {
                    let inGlyph = (top ..< top + 12).contains(h) && (left ..< left + 12).contains(w)
                    let lit = inGlyph && Array(glyphs[label][(h - top) / 4])[(w - left) / 4] == "#"
                    let texture = (sample * 31 + h * 17 + w * 13) % 40
                    pixels[(n * height + h) * width + w] = UInt8((lit ? 190 : 20) + texture)
                }
            }
        }
        try Data(GzipWriter.compress(IDXFile.encode(dimensions: [count, height, width], payload: pixels)))
            .write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"))
        try Data(GzipWriter.compress(IDXFile.encode(dimensions: [count], payload: labels)))
            .write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"))
    }

    @Test func recipeTrainsOnTwentyBySixteenImages() throws {
        let root = try CommandFixtures.temporaryDirectory(prefix: "fovea-other-shape")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data"), run = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try OtherShapeDataCommandTests.write("train", count: OtherShapeDataCommandTests.trainCount, firstSample: 0, to: data)
        try OtherShapeDataCommandTests.write("t10k", count: OtherShapeDataCommandTests.testCount, firstSample: 100_000, to: data)

        let training = CapturingConsole()
        try TrainCommand.parse(OtherShapeDataCommandTests.recipe + ["--data", data.path, "--run-dir", run.path, "--epochs", "6", "--json"])
            .run(console: training)
        #expect(training.errors.contains { $0.hasPrefix("data: \(data.path): 500 training, 130 test images 20×16;") }, "\(training.errors)")
        let epochs = try training.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(epochs.count == 6)
        let accuracy = try #require(epochs.last?["test_accuracy"] as? Double)
        #expect(accuracy >= 0.9, "test accuracy \(accuracy) after 6 epochs of 8 steps")

        // The checkpoint's model takes the folder's image shape, and eval uses all 130 test images.
        let last = run.appendingPathComponent("last.fovea").path
        #expect(try CheckpointReader.read(last).network.inputShape == FeatureShape(channels: 1, height: 20, width: 16))
        let eval = CapturingConsole()
        try EvalCommand.parse([last, "--json"]).run(console: eval)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(eval.output.utf8)) as? [String: Any])
        let confusion = try #require(result["confusion"] as? [[Int]])
        #expect(confusion.joined().reduce(0, +) == OtherShapeDataCommandTests.testCount)
        #expect(result["accuracy"] as? Double == accuracy)
    }
}
