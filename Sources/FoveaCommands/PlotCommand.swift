import ArgumentParser
import Fovea
import Foundation

/// `fovea plot`: the training curves of a run folder's `metrics.csv` as an SVG or PNG picture.
public struct PlotCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a run's training curves (loss, accuracy, learning rate per epoch) as SVG or PNG.",
        discussion: """
        Reads RUN_DIR/metrics.csv (or the CSV file named) and draws three panels over the \
        epochs: the train, validation and test loss; their accuracy in %; and the learning rate \
        of each epoch's last step on a logarithmic scale. Works while the run is going (the file \
        is rewritten after every epoch). Values that are not finite are not drawn, and are named \
        on standard error and under their panel. The picture is written atomically.
        """
    )

    @Argument(help: ArgumentHelp("A run folder of fovea train (or its metrics.csv).", valueName: "run-dir"))
    var runDirectory: String

    @Option(help: ArgumentHelp("The picture to write: .svg, or .png (drawn by Fovea). (default: RUN_DIR/curves.svg)", valueName: "file"))
    var out: String?

    public init() {}

    public mutating func validate() throws {
        if let out {
            try require(ChartFile.format(of: out) != nil, "--out: \(out): the name must end in .svg or .png (the format follows the name)")
        }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// Runs the command, writing to `console`; failures are reported there as one line and
    /// rethrown as exit code 1.
    public func run(console: Console) throws {
        do {
            try plot(console: console)
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// The metrics file and the folder of `runDirectory`.
    var paths: (metrics: String, folder: String) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory), !isDirectory.boolValue {
            let folder = (runDirectory as NSString).deletingLastPathComponent
            return (runDirectory, folder.isEmpty ? "." : folder)
        }
        return ((runDirectory as NSString).appendingPathComponent("metrics.csv"), runDirectory)
    }

    private func plot(console: Console) throws {
        let (metricsPath, folder) = paths
        let table = try MetricsTable.read(metricsPath)
        guard !table.rows.isEmpty else {
            throw CommandFailure(description: "\(metricsPath): no epochs yet, only the header (plot again after the run's first epoch)")
        }
        if table.partialLastLine {
            console.diagnose("fovea: note: \(metricsPath): the last line is unfinished (being written?); plotted without it")
        }
        let epochs = table.rows.count
        let curves = TrainingCurves(table, title: "\(folder): \(epochs) epoch\(epochs == 1 ? "" : "s")")
        for note in curves.notes { console.diagnose("fovea: note: \(metricsPath): \(note)") }
        let out = self.out ?? (folder as NSString).appendingPathComponent("curves.svg")
        let size = try ChartFile.write(curves.chart, to: out)
        let format = ChartFile.format(of: out)?.rawValue.uppercased() ?? "?"
        let panels = curves.chart.panels.map(\.id).joined(separator: ", ")
        console.line("\(out): \(size.width)×\(size.height) \(format), \(panels) over \(epochs) epoch\(epochs == 1 ? "" : "s") (\(curves.sets.joined(separator: ", ")))")
    }
}
