import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea predict`.
@Suite struct PredictCommandTests {
    /// A checkpoint trained for 3 epochs on the tiny MNIST set, made once per test process.
    static let checkpoint = Result { () throws -> String in
        let root = try CommandFixtures.temporaryDirectory(prefix: "fovea-predict")
        try CommandFixtures.train(["--epochs", "3", "--run-dir", root.path])
        return root.appendingPathComponent("last.fovea").path
    }

    static func predict(_ arguments: [String]) throws -> (CapturingConsole, Bool) {
        let console = CapturingConsole()
        do {
            try PredictCommand.parse([try checkpoint.get()] + arguments).run(console: console)
            return (console, true)
        } catch is ExitCode {
            return (console, false)
        }
    }

    static func top(_ line: Substring) throws -> Int {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let top = try #require(object["top"] as? [[String: Any]])
        return try #require(top.first?["class"] as? Int)
    }

    /// On the test set's IDX file (used as it is), predict's top class is eval's prediction: as
    /// many are right as eval counts, and the probabilities of each line sum to at most 1.
    @Test func idxImagesAgreeWithEval() throws {
        let data = try CommandFixtures.tinyMNIST()
        let images = (data as NSString).appendingPathComponent("t10k-images-idx3-ubyte")
        let (console, succeeded) = try Self.predict([images, "--json", "--top", "10"])
        #expect(succeeded && console.errors.isEmpty)
        let lines = console.output.split(separator: "\n")
        #expect(lines.count == 200)
        let test = try MNISTDataset(directory: data).test
        var correct = 0
        for (n, line) in lines.enumerated() where try Self.top(line) == Int(test.label(n)) { correct += 1 }
        let eval = CapturingConsole()
        try EvalCommand.parse([try Self.checkpoint.get(), "--data", data, "--json"]).run(console: eval)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.output.utf8)) as? [String: Any])
        #expect(Double(correct) / 200 == object["accuracy"] as? Double)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["index"] as? Int == 0 && (first["file"] as? String) == images && first["preprocessing"] == nil)
        let probabilities = try #require(first["top"] as? [[String: Any]]).compactMap { $0["probability"] as? Double }
        #expect(probabilities.count == 10 && abs(probabilities.reduce(0, +) - 1) < 1e-9 && probabilities == probabilities.sorted(by: >))
    }

    /// A test digit printed dark on white paper at 5× its size, off-centre in a larger picture,
    /// comes back from preprocessing close to the MNIST image it was made from (MNIST's digits are
    /// already fitted to 20 pixels and centred by mass, so the chain nearly undoes the printing),
    /// and is classified as that image is.
    @Test func aPrintedDigitComesBackAsItsMNISTImage() throws {
        let folder = try CommandFixtures.temporaryDirectory(prefix: "fovea-predict-images")
        defer { try? FileManager.default.removeItem(at: folder) }
        let test = try MNISTDataset(directory: try CommandFixtures.tinyMNIST()).test
        var paths: [String] = []
        var originals: [GrayscaleImage] = []
        for n in 0 ..< 5 {
            let original = test.withPixels { GrayscaleImage(width: 28, height: 28, pixels: Array($0[n * 784 ..< (n + 1) * 784])) }
            var paper = GrayscaleImage(width: 200, height: 170, fill: 240)
            for y in 0 ..< 140 {
                for x in 0 ..< 140 { paper[y + 12, x + 45] = 240 - UInt8(Int(original[y / 5, x / 5]) * 220 / 255) }
            }
            let path = folder.appendingPathComponent("digit\(n).png").path
            try PNGWriter.write(paper, to: path)
            paths.append(path)
            originals.append(original)
        }
        let seen = folder.appendingPathComponent("seen").path
        let (console, succeeded) = try Self.predict(paths + ["--json", "--save-preprocessed", seen])
        #expect(succeeded)
        #expect(console.errors == ["wrote 5 preprocessed images to \(seen)"])
        let idx = CapturingConsole()
        let images = (try CommandFixtures.tinyMNIST() as NSString).appendingPathComponent("t10k-images-idx3-ubyte")
        try PredictCommand.parse([try Self.checkpoint.get(), images, "--json"]).run(console: idx)
        let idxLines = idx.output.split(separator: "\n")
        for (n, line) in console.output.split(separator: "\n").enumerated() {
            let input = try PNGReader.read((seen as NSString).appendingPathComponent("digit\(n).png"))
            #expect(input.width == 28 && input.height == 28)
            // Printed at exactly 5× and averaged back over the same 5 × 5 blocks, with MNIST's own
            // centring: the pixels come back but for the rounding of the 220/255 print contrast
            // and its stretch (a level or so), and where Otsu's crop trims a faint edge pixel.
            let difference = zip(input.pixels, originals[n].pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(difference) / 784 < 1, "digit \(n): mean difference \(Double(difference) / 784) of 255")
            #expect(try Self.top(line) == Self.top(idxLines[n]), "digit \(n)")
            #expect(line.contains("\"inverted\":true"))
        }
    }

    /// A bad image is one line on standard error naming it; the others are still classified and
    /// the exit status is 1.
    @Test func badImagesAreReportedAndSkipped() throws {
        let folder = try CommandFixtures.temporaryDirectory(prefix: "fovea-predict-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.pgm").path
        var picture = GrayscaleImage(width: 40, height: 40, fill: 255)
        for y in 8 ..< 32 { for x in 18 ..< 22 { picture[y, x] = 0 } }
        try Data(Array("P5 40 40 255\n".utf8) + picture.pixels).write(to: URL(fileURLWithPath: good))
        let truncated = folder.appendingPathComponent("cut.png").path
        try Data(try PNGWriter.encode(picture).prefix(30)).write(to: URL(fileURLWithPath: truncated))
        let blank = folder.appendingPathComponent("blank.pgm").path
        try Data(Array("P5 4 4 255\n".utf8) + [UInt8](repeating: 9, count: 16)).write(to: URL(fileURLWithPath: blank))
        let missing = folder.appendingPathComponent("missing.png").path
        let (console, succeeded) = try Self.predict([truncated, good, blank, missing])
        #expect(!succeeded)
        #expect(console.output.hasPrefix("\(good): ") && console.output.split(separator: "\n").count == 1)
        #expect(console.errors == [
            "fovea: \(truncated): corrupt or truncated PNG: libpng says \"read beyond end of data\" (export the image again)",
            "fovea: \(blank): the image is uniform, there is no digit to classify (check that it is the right file)",
            "fovea: \(missing): cannot read: No such file or directory",
        ])
        // --raw takes pictures as they are: a 40 × 40 picture does not fit a 28 × 28 model.
        let (raw, rawSucceeded) = try Self.predict([good, "--raw"])
        #expect(!rawSucceeded && raw.errors == ["fovea: \(good): the image is 40×40 but the model takes 28×28 (drop --raw to let Fovea scale it)"])
        #expect(throws: (any Error).self) { try PredictCommand.parse(["x.fovea", good, "--top", "0"]) }
        #expect(throws: (any Error).self) { try PredictCommand.parse(["x.fovea"]) }
    }
}
