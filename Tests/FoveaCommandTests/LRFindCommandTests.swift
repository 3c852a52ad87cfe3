import Foundation
import Testing
import Fovea
import FoveaCommands

@Suite struct LRFindCommandTests {
    /// `fovea lr-find` on the tiny set with the fixture's model; returns what it printed.
    static func find(_ arguments: [String]) throws -> CapturingConsole {
        let command = try LRFindCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model,
                                               "--batch-size", "32", "--seed", "5", "--nesterov"] + arguments)
        let console = CapturingConsole()
        try command.run(console: console)
        return console
    }

    /// The closing JSON object's fields.
    static func summary(_ console: CapturingConsole) throws -> [String: Any] {
        let last = try #require(console.output.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    /// `--loss` as in fovea train: a one-logit network with bce on the even/odd relabelled set
    /// runs the test (its header names the loss's network); a 10-logit one is refused naming
    /// --loss before anything trains.
    @Test func takesTrainsLossFlag() throws {
        let parity = try LossFlagCommandTests.parityFolder()
        defer { try? FileManager.default.removeItem(at: parity) }
        let arguments = ["--data", parity.path, "--loss", "bce", "--batch-size", "32", "--steps", "20"]
        let console = CapturingConsole()
        try LRFindCommand.parse(arguments + ["--model", "flatten dense(16) relu dense(1)"]).run(console: console)
        #expect(console.output.contains("model: flatten dense(16) relu dense(1)") && console.output.contains("suggested learning rate"))
        let refused = CapturingConsole()
        #expect(throws: (any Error).self) {
            try LRFindCommand.parse(arguments + ["--model", "flatten dense(10)"]).run(console: refused)
        }
        #expect(refused.errors.first?.hasPrefix("fovea: --loss bce: binary cross-entropy needs one output") == true)
    }

    @Test func theSameTableForAnyThreadCount() throws {
        let one = try LRFindCommandTests.find(["--steps", "60", "--threads", "1"])
        let two = try LRFindCommandTests.find(["--steps", "60", "--threads", "2"])
        #expect(one.output == two.output)
        #expect(one.output.contains("  step  learning rate        loss    smoothed\n     1          1e-07"))
        let jsonOne = try LRFindCommandTests.find(["--steps", "60", "--threads", "1", "--json"])
        let jsonTwo = try LRFindCommandTests.find(["--steps", "60", "--threads", "2", "--json"])
        #expect(jsonOne.output == jsonTwo.output)
        // One object per step, then the summary; the header went to standard error.
        let lines = jsonOne.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("{\"step\":1,\"learning_rate\":1e-07,\"loss\":") == true)
        #expect(jsonOne.errors.first?.hasPrefix("model: ") == true)
        let summary = try LRFindCommandTests.summary(jsonOne)
        let steps = try #require(summary["steps"] as? Int)
        #expect(lines.count == steps + 1)
        // A table row every k-th step plus the last: ≤ 31 rows after the header.
        let rows = one.output.split(separator: "\n").drop { !$0.hasPrefix("  step") }.dropFirst().prefix { $0.first == " " }
        #expect(rows.count <= 31 && rows.count >= 2)
    }

    @Test func aSweepIntoDivergenceStopsEarlyWithASuggestionInRange() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("lr.svg").path
        let console = try LRFindCommandTests.find(["--start", "1e-4", "--end", "1e4", "--steps", "120", "--json", "--out", svg])
        let summary = try LRFindCommandTests.summary(console)
        let steps = try #require(summary["steps"] as? Int)
        #expect(steps < 120)
        #expect(["exploded", "not_finite"].contains(summary["stop"] as? String))
        let suggested = try #require(summary["suggested_learning_rate"] as? Double)
        #expect(suggested >= 1e-4 / 10 && suggested <= 1e4)
        #expect(summary["rule"] as? String == "minimum / 10")
        let minimum = try #require(summary["minimum_learning_rate"] as? Double)
        #expect(abs(suggested - minimum / 10) <= minimum * 1e-12)

        // The plot: the texts, the smoothed loss as one line of every recorded step.
        let content = try SVGReadBack(file: svg)
        #expect(!content.failed)
        #expect(content.texts("panel-title") == ["loss (batch mean)"])
        #expect(content.texts("axis-title") == ["learning rate (log scale)"])
        let legend = content.texts("legend")
        #expect(legend.prefix(2) == ["loss", "smoothed (beta 0.98)"])
        #expect(legend.dropFirst(2).first?.hasPrefix("suggested ") == true && legend.last?.hasPrefix("steepest descent ") == true)
        #expect(content.points("lr-find-smoothed") == [steps])
        for label in ["1e-4", "0.01", "1", "100", "10000"] { #expect(content.texts("tick-label").contains(label), "\(label)") }
        // Nothing else written: the folder holds only the picture.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["lr.svg"])
    }

    @Test func aSweepThatStartsTooHighSuggestsNothing() throws {
        let console = try LRFindCommandTests.find(["--start", "1", "--end", "1e4", "--steps", "50"])
        #expect(console.output.contains("\nstopped after step "))
        #expect(console.output.contains("\nno suggestion: "))
        let json = try LRFindCommandTests.summary(try LRFindCommandTests.find(["--start", "1", "--end", "1e4", "--steps", "50", "--json"]))
        #expect(json["suggested_learning_rate"] is NSNull && json["stop"] as? String != "completed")
    }

    @Test func thePNGPlotReadsBack() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("lr.png").path
        let svg = folder.appendingPathComponent("lr.svg").path
        let text = try LRFindCommandTests.find(["--steps", "40", "--out", png]).output
        _ = try LRFindCommandTests.find(["--steps", "40", "--out", svg])
        #expect(text.contains("\(png): 900×"))
        let image = try PNGReader.readRGB(png)
        let content = try SVGReadBack(file: svg)
        #expect("\(image.width)" == content.root["width"] && "\(image.height)" == content.root["height"])
        for ((role, string), attributes) in zip(content.texts, content.textAttributes) where role == "legend" || role == "panel-title" {
            let x = Int(attributes["x"] ?? "") ?? -1, y = Int(attributes["y"] ?? "") ?? -1
            #expect(BitmapFont.text(in: image, x: x, y: y - ChartLayout.textHeight, count: string.count, scale: ChartLayout.textScale, ink: .black) == string)
        }
    }

    @Test(arguments: [
        (["--steps", "0"], "--steps must be in 2…100000, got 0"),
        (["--steps", "1000001"], "--steps must be in 2…100000, got 1000001"),
        (["--start", "10", "--end", "1"], "--start must be below --end, got 10.0 ≥ 1.0"),
        (["--start", "0.5", "--end", "0.5"], "--start must be below --end, got 0.5 ≥ 0.5"),
        (["--start", "0"], "--start must be a finite rate > 0, got 0.0"),
        (["--start=-1"], "--start must be a finite rate > 0, got -1.0"),
        (["--end", "inf"], "--end must be a finite rate > 0, got inf"),
        (["--start", "nan"], "--start must be a finite rate > 0, got nan"),
        (["--lr", "0.1"], "--lr: lr-find sweeps the rate from --start to --end itself (drop --lr)"),
        (["--momentum", "1"], "--momentum: must be in [0, 1), got 1.0"),
        (["--out", "lr.gif"], "--out: lr.gif: the name must end in .svg or .png (the format follows the name)"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    ])
    func absurdFlagsAreOneLine(arguments: [String], message: String) {
        do {
            _ = try LRFindCommand.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect(LRFindCommand.message(for: error) == message)
        }
    }
}
