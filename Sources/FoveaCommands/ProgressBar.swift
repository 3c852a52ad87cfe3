/// The one-line progress display of an epoch: done/total, samples/s, ETA and running loss,
/// redrawn in place at most ten times a second. Drawn only when standard output is a terminal.
final class ProgressBar {
    private let console: Console
    private let width = 24
    private var lastDraw = -1.0
    private var drawn = false

    init(console: Console) {
        self.console = console
    }

    func update(_ progress: TrainingProgressView) {
        let finished = progress.done == progress.total
        guard progress.elapsed - lastDraw >= 0.1 || finished else { return }
        lastDraw = progress.elapsed
        let fraction = Double(progress.done) / Double(max(progress.total, 1))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let rate = Double(progress.done) / max(progress.elapsed, 1e-9)
        let remaining = Double(progress.total - progress.done) / max(rate, 1e-9)
        let text = "epoch \(progress.epoch) [\(bar)] \(Format.integer(progress.done))/\(Format.integer(progress.total))"
            + "  \(Format.integer(Int(rate))) samples/s  ETA \(Format.clock(remaining))  loss \(Format.fixed(progress.loss, 4))"
        console.write("\r" + text + "\u{1B}[K")
        drawn = true
    }

    /// Erases the bar, leaving the cursor at the start of an empty line.
    func clear() {
        if drawn { console.write("\r\u{1B}[K") }
        drawn = false
        lastDraw = -1
    }
}

/// What the progress bar shows.
struct TrainingProgressView {
    let epoch: Int
    let done: Int
    let total: Int
    let elapsed: Double
    let loss: Double
}
