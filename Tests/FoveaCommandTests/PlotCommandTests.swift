import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Fovea
import FoveaCommands

/// The texts of an SVG file by class, and its polylines' point counts by series group.
final class SVGReadBack: NSObject, XMLParserDelegate {
    var root: [String: String] = [:]
    var texts: [(role: String, text: String)] = []
    /// Each text's attributes, in the order of `texts`.
    var textAttributes: [[String: String]] = []
    var polylines: [(series: String, points: Int)] = []
    /// The first point of each polyline, rounded to pixels, with its stroke colour.
    var firstPoints: [(series: String, x: Int, y: Int, stroke: String)] = []
    private var groups: [String] = []
    private var openText: (role: String, text: String)?
    private(set) var failed = false

    init(file: String) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: file)))
        parser.delegate = self
        failed = !parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "svg": root = attributes
        case "g": groups.append(attributes["id"] ?? "")
        case "text":
            openText = (attributes["class"] ?? "", "")
            textAttributes.append(attributes)
        case "polyline":
            let points = (attributes["points"] ?? "").split(separator: " ")
            polylines.append((groups.last ?? "", points.count))
            if let first = points.first?.split(separator: ","), first.count == 2, let x = Double(first[0]), let y = Double(first[1]) {
                firstPoints.append((groups.last ?? "", Int(x.rounded()), Int(y.rounded()), attributes["stroke"] ?? ""))
            }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { openText?.text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { groups.removeLast() }
        if name == "text", let text = openText { texts.append(text); openText = nil }
    }

    func texts(_ role: String) -> [String] { texts.filter { $0.role == role }.map(\.text) }
    func points(_ series: String) -> [Int] { polylines.filter { $0.series == series }.map(\.points) }
}

extension String {
    func leftPadded() -> String { count == 1 ? "0" + self : self }
}

@Suite struct PlotCommandTests {
    /// Runs `fovea plot` with `arguments`; returns the console (or the error line on failure).
    static func plot(_ arguments: [String]) throws -> (console: CapturingConsole, failed: Bool) {
        let console = CapturingConsole()
        do {
            try PlotCommand.parse(arguments).run(console: console)
            return (console, false)
        } catch {
            return (console, true)
        }
    }

    /// PNG header fields: width, height, bit depth, colour type.
    static func pngHeader(_ file: String) throws -> (width: Int, height: Int, depth: UInt8, colour: UInt8) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let word = { (i: Int) in bytes[i ..< i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20), bytes[24], bytes[25])
    }

    /// An autoencoder's metrics (MSE and PSNR columns, no accuracy): the middle panel is PSNR.
    @Test func anAutoencodersPSNR() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("""
            epoch,train_loss,train_mse,train_psnr,test_loss,test_mse,test_psnr,samples_per_second,seconds,learning_rate
            1,0.5,0.047,13.3,0.35,0.033,14.8,7000.0,9.1,0.01
            2,0.3,0.028,15.5,0.25,0.023,16.4,7100.0,9.0,0.005

            """.utf8).write(to: folder.appendingPathComponent("metrics.csv"))
        let result = try PlotCommandTests.plot([folder.path])
        #expect(!result.failed, "\(result.console.errors)")
        let content = try SVGReadBack(file: folder.appendingPathComponent("curves.svg").path)
        #expect(content.texts("panel-title") == ["loss", "PSNR (dB)", "learning rate (last step of the epoch)"])
        for set in ["train", "test"] { #expect(content.points("psnr-\(set)") == [2], "\(set)") }
    }

    @Test func aRunsCurvesAsSVGAndPNG() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CommandFixtures.train(["--epochs", "3", "--validation", "100", "--run-dir", folder.path, "--keep", "0"])
        let result = try PlotCommandTests.plot([folder.path])
        #expect(!result.failed, "\(result.console.errors)")
        let svg = folder.appendingPathComponent("curves.svg").path
        #expect(result.console.output.hasPrefix("\(svg): 900×"))
        #expect(result.console.output.hasSuffix(" SVG, loss, accuracy, learning-rate over 3 epochs (train, validation, test)\n"))
        let content = try SVGReadBack(file: svg)
        #expect(!content.failed)
        #expect(content.root["width"] == "900" && content.root["viewBox"]?.hasPrefix("0 0 900 ") == true)
        #expect(content.texts("title") == ["\(folder.path): 3 epochs"])
        #expect(content.texts("panel-title") == ["loss", "accuracy (%)", "learning rate (last step of the epoch)"])
        #expect(content.texts("axis-title") == ["epoch", "epoch", "epoch"])
        #expect(content.texts("legend") == ["train", "validation", "test", "train", "validation", "test", "learning rate"])
        #expect(content.texts("tick-label").filter { $0 == "1" || $0 == "2" || $0 == "3" }.count >= 9)
        #expect(content.texts("note").isEmpty)
        for panel in ["loss", "accuracy"] {
            for set in ["train", "validation", "test"] { #expect(content.points("\(panel)-\(set)") == [3], "\(panel) \(set)") }
        }
        #expect(content.points("learning-rate-learning-rate") == [3])

        // The same chart as PNG: same size, truecolour.
        let png = folder.appendingPathComponent("curves.png").path
        let pngResult = try PlotCommandTests.plot([folder.path, "--out", png])
        #expect(!pngResult.failed)
        let header = try PlotCommandTests.pngHeader(png)
        #expect("\(header.width)" == content.root["width"] && "\(header.height)" == content.root["height"])
        #expect(header.depth == 8 && header.colour == 2)
        // Decoded: every text of the SVG reads back from the PNG where the SVG puts it (the two
        // are drawn from one layout), and each line starts on a pixel of its colour.
        let image = try PNGReader.readRGB(png)
        #expect(image.width == header.width && image.height == header.height)
        #expect(image[0, 0] == .white)
        for ((_, text), attributes) in zip(content.texts, content.textAttributes) {
            let width = BitmapFont.width(of: text, scale: ChartLayout.textScale)
            let x = Int(attributes["x"] ?? "") ?? -1, y = Int(attributes["y"] ?? "") ?? -1
            let left = attributes["text-anchor"] == "middle" ? x - width / 2 : attributes["text-anchor"] == "end" ? x - width : x
            let ink = RGBColor(hex: UInt32(attributes["fill"]?.dropFirst() ?? "", radix: 16) ?? 0)
            let read = BitmapFont.text(in: image, x: left, y: y - ChartLayout.textHeight, count: text.count, scale: ChartLayout.textScale, ink: ink)
            #expect(read == text, "\(text) at \(left), \(y)")
        }
        #expect(content.firstPoints.count == 7)
        for point in content.firstPoints {
            #expect("#" + [image[point.y, point.x].red, image[point.y, point.x].green, image[point.y, point.x].blue]
                .map { String($0, radix: 16).leftPadded() }.joined() == point.stroke, "\(point.series)")
        }
        // The metrics file itself may be named; nothing else in the folder changed.
        let again = try PlotCommandTests.plot([folder.appendingPathComponent("metrics.csv").path, "--out", folder.appendingPathComponent("b.svg").path])
        #expect(!again.failed)
        #expect(try SVGReadBack(file: folder.appendingPathComponent("b.svg").path).texts("panel-title").count == 3)
    }

    /// Hand-written metrics files: fewer columns, a value that is not finite, an unfinished last
    /// line; each still plots, and says what it left out.
    @Test func metricsFilesReadRobustly() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = folder.appendingPathComponent("metrics.csv")
        try Data("""
        epoch,train_loss,test_loss,learning_rate,extra
        1,0.5,0.4,0.03,x1
        2,0.3,null,0.02,
        3,0.2,0.25,0.01,
        4,0.1,0.2
        """.utf8).write(to: metrics)
        // "x1" is in an unknown column: kept unused; but the row must still be numbers.
        #expect(try PlotCommandTests.plot([folder.path]).failed)
        try Data("""
        epoch,train_loss,test_loss,learning_rate,extra
        1,0.5,0.4,0.03,7
        2,0.3,null,0.02,
        3,0.2,0.25,0.01,
        4,0.1,0.2
        """.utf8).write(to: metrics)
        let result = try PlotCommandTests.plot([folder.path])
        #expect(!result.failed, "\(result.console.errors)")
        #expect(result.console.errors == [
            "fovea: note: \(metrics.path): the last line is unfinished (being written?); plotted without it",
            "fovea: note: \(metrics.path): test loss is NaN in epoch 2, not drawn",
        ])
        #expect(result.console.output.hasSuffix(" SVG, loss, learning-rate over 3 epochs (train, test)\n"))
        let content = try SVGReadBack(file: folder.appendingPathComponent("curves.svg").path)
        #expect(content.texts("panel-title") == ["loss", "learning rate (last step of the epoch)"])
        #expect(content.texts("legend") == ["train", "test", "learning rate"])
        #expect(content.texts("note") == ["note: test loss is NaN in epoch 2, not drawn"])
        #expect(content.points("loss-train") == [3])
        // The NaN of epoch 2 breaks the test line between epochs 1 and 3 (the unfinished epoch 4 is
        // left out): two lone points, marked but with no line.
        #expect(content.points("loss-test").isEmpty)
    }

    /// A missing, empty, header-only or garbled file is one line naming the file (and the line).
    @Test(arguments: [
        (nil, "no such file (fovea train writes it after a run's first epoch; name a run folder or its metrics.csv)"),
        ("", "empty (fovea train writes the header and a row after a run's first epoch; plot again then)"),
        ("epoch,train_loss\n", "no epochs yet, only the header (plot again after the run's first epoch)"),
        ("epoch,train_loss\n1,0.5\n2\n", "line 3: 1 field, the header has 2 (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("epoch,train_loss\n1,0.5\n2,abc\n", "line 3: train_loss is 'abc', not a number (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("epoch,train_loss\n2,0.5\n1,0.4\n", "line 3: epoch 1 after epoch 2 (rows must go up by epoch) (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("epoch,train_loss\n1.5,0.5\n", "line 2: epoch is '1.5', not a whole number ≥ 1 (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("loss,acc\n1,2\n", "line 1: the header has no 'epoch' column (it reads 'loss,acc') (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("epoch,a,a\n", "line 1: the header names column 'a' twice (not a metrics.csv of fovea train, or damaged; train again or fix the line)"),
        ("\u{FF}\u{FE}", "not UTF-8 text (not a metrics.csv of fovea train)"),
    ] as [(String?, String)])
    func badMetricsFilesAreOneLine(content: String?, message: String) throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = folder.appendingPathComponent("metrics.csv")
        if let content {
            // "\u{FF}\u{FE}" stands for two bytes that are not UTF-8.
            try Data(content == "\u{FF}\u{FE}" ? [0xFF, 0xFE, 0x0A] : Array(content.utf8)).write(to: metrics)
        }
        let result = try PlotCommandTests.plot([folder.path])
        #expect(result.failed)
        #expect(result.console.errors == ["fovea: \(metrics.path): \(message)"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("curves.svg").path))
    }

    @Test func onlySVGAndPNGNames() throws {
        #expect(throws: (any Error).self) { try PlotCommand.parse(["runs/x", "--out", "curves.jpg"]) }
        do {
            _ = try PlotCommand.parse(["runs/x", "--out", "curves.jpg"])
        } catch {
            #expect(PlotCommand.message(for: error) == "--out: curves.jpg: the name must end in .svg or .png (the format follows the name)")
        }
        #expect(throws: Never.self) { try PlotCommand.parse(["runs/x", "--out", "curves.PNG"]) }
    }
}
