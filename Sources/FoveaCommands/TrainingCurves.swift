import Fovea

/// The chart `fovea plot` draws from a `MetricsTable`: up to three panels sharing the epoch axis.
///
/// 1. `loss`: train, validation and test loss per epoch (the columns the file has), linear.
/// 2. `accuracy`: train, validation and test accuracy in %, linear (left out for a loss that
///    does not classify: the file then has no accuracy columns); for an autoencoder, `psnr`
///    instead: train, validation and test PSNR in dB (the `_psnr` columns), linear.
/// 3. `learning-rate`: the rate of each epoch's last step, logarithmic (so warm-up and a cosine
///    decay to almost 0 both show).
///
/// Train is blue, validation orange, test bluish green (`ChartPalette`), each point marked. A
/// value that is not finite (a diverged evaluation) or a rate ≤ 0 is not drawn: its line breaks
/// there and the panel's note names it (`notes` has the same lines for the console).
struct TrainingCurves {
    let chart: LineChart
    /// One line per value not drawn, e.g. `test loss is NaN in epoch 4, not drawn`.
    let notes: [String]
    /// Which of train, validation and test the file has.
    let sets: [String]

    static let sets: [(key: String, name: String, color: RGBColor)] = [
        ("train", "train", ChartPalette.blue), ("validation", "validation", ChartPalette.orange), ("test", "test", ChartPalette.bluishGreen),
    ]

    init(_ table: MetricsTable, title: String) {
        let epochs = table.epochs.map(Double.init)
        let first = epochs.first ?? 1, last = epochs.last ?? 1
        // One shared epoch range; a single epoch sits in the middle of ±0.5.
        let xRange = last > first ? first ... last : first - 0.5 ... last + 0.5
        let xAxis = ChartAxis(title: "epoch", integerTicks: true, range: xRange)
        var notes: [String] = []
        var panelNotes: [String: [String]] = [:]

        func series(_ panel: String, _ column: String, name: String, color: RGBColor, what: String, scale: Double = 1,
                    positive: Bool = false) -> ChartSeries? {
            guard let values = table.column(column) else { return nil }
            for (epoch, value) in zip(table.epochs, values) where !value.isFinite || (positive && value <= 0) {
                let shown = value.isNaN ? "NaN" : value.isFinite ? "\(value)" : value > 0 ? "infinite" : "-infinite"
                let note = "\(what) is \(shown) in epoch \(epoch), not drawn"
                notes.append(note)
                panelNotes[panel, default: []].append(note)
            }
            return ChartSeries(name: name, id: name.replacingOccurrences(of: " ", with: "-"),
                               points: zip(epochs, values).map { ChartPoint(x: $0, y: $1 * scale) }, color: color, marksPoints: true)
        }
        func note(_ panel: String) -> String? {
            guard let lines = panelNotes[panel], !lines.isEmpty else { return nil }
            return lines.count == 1 ? "note: \(lines[0])" : "note: \(lines.count) values not finite, not drawn (see the console)"
        }

        var panels: [ChartPanel] = []
        let losses = TrainingCurves.sets.compactMap { set in
            series("loss", "\(set.key)_loss", name: set.name, color: set.color, what: "\(set.name) loss")
        }
        if !losses.isEmpty {
            panels.append(ChartPanel(id: "loss", title: "loss", x: xAxis, y: ChartAxis(), series: losses, note: note("loss")))
        }
        let accuracies = TrainingCurves.sets.compactMap { set in
            series("accuracy", "\(set.key)_accuracy", name: set.name, color: set.color, what: "\(set.name) accuracy", scale: 100)
        }
        if !accuracies.isEmpty {
            panels.append(ChartPanel(id: "accuracy", title: "accuracy (%)", x: xAxis, y: ChartAxis(), series: accuracies, note: note("accuracy")))
        }
        let psnrs = TrainingCurves.sets.compactMap { set in
            series("psnr", "\(set.key)_psnr", name: set.name, color: set.color, what: "\(set.name) PSNR")
        }
        if !psnrs.isEmpty {
            panels.append(ChartPanel(id: "psnr", title: "PSNR (dB)", x: xAxis, y: ChartAxis(), series: psnrs, note: note("psnr")))
        }
        if let rate = series("learning-rate", "learning_rate", name: "learning rate", color: ChartPalette.reddishPurple,
                             what: "the learning rate", positive: true) {
            panels.append(ChartPanel(id: "learning-rate", title: "learning rate (last step of the epoch)", x: xAxis,
                                     y: ChartAxis(scale: .logarithmic), series: [rate], note: note("learning-rate")))
        }
        chart = LineChart(title: title, panels: panels)
        self.notes = notes
        sets = TrainingCurves.sets.filter { set in table.columns.contains { $0.hasPrefix(set.key + "_") } }.map(\.name)
    }
}
