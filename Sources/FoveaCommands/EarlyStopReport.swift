import Fovea

/// What `fovea train` says when a run stops early (`--early-stop N`), and what `fovea inspect`
/// says about a checkpoint's early stopping, for people and for programs.
enum EarlyStopReport {
    /// A figure of the metric as the epoch lines show it: `99.12%`, or a loss `0.0612`.
    static func figure(_ metric: SelectionMetric, _ evaluation: EpochEvaluation?) -> String? {
        guard let evaluation, let value = metric.value(in: evaluation) else { return nil }
        return metric.isAccuracy ? Format.percent(value) : Format.fixed(value, 4)
    }

    /// `validation accuracy has not improved for 3 epochs since epoch 7 (99.12%)`.
    static func reason(_ metric: SelectionMetric, history: RunHistory, epoch: Int) -> String {
        let count = EarlyStopping.epochsWithoutImprovement(history, epoch: epoch)
        let epochs = "\(count) epoch\(count == 1 ? "" : "s")"
        guard let best = history.best else { return "\(metric.title) has not been measured for \(epochs)" }
        return "\(metric.title) has not improved for \(epochs) since epoch \(best.epoch)" + (figure(metric, best).map { " (\($0))" } ?? "")
    }

    /// The line of a run that stops (or has stopped) early after `epoch`:
    /// `early stop after epoch 10: validation accuracy has not improved for 3 epochs since epoch 7
    /// (99.12%); best.fovea holds epoch 7`. `bestFile` is the run folder's best.fovea if it
    /// holds the best epoch (`nil`: it does not, as after a resume into another folder).
    static func line(_ metric: SelectionMetric, history: RunHistory, epoch: Int, bestFile: String?) -> String {
        var text = "early stop after epoch \(epoch): " + reason(metric, history: history, epoch: epoch)
        if let best = history.best {
            text += bestFile != nil
                ? "; best.fovea holds epoch \(best.epoch)"
                : "; best.fovea in this run folder does not hold epoch \(best.epoch) (the run was resumed from another folder or an earlier epoch)"
        }
        return text
    }

    /// The same as one JSON object, for `--json`: `{"early_stop":{"epoch":10,
    /// "metric":"validation_accuracy","patience":3,"epochs_without_improvement":3,"best_epoch":7,
    /// "best_value":0.9912,"best_file":"runs/x/best.fovea"}}` (`best_file` null if the folder's
    /// best.fovea does not hold the best epoch).
    static func json(_ metric: SelectionMetric, history: RunHistory, epoch: Int, patience: Int, bestFile: String?) -> String {
        JSON.object([("early_stop", JSON.object([
            ("epoch", "\(epoch)"),
            ("metric", JSON.string(metric.key)),
            ("patience", "\(patience)"),
            ("epochs_without_improvement", "\(EarlyStopping.epochsWithoutImprovement(history, epoch: epoch))"),
            ("best_epoch", history.best.map { "\($0.epoch)" } ?? "null"),
            ("best_value", JSON.number(history.best.flatMap { metric.value(in: $0) })),
            ("best_file", bestFile.map(JSON.string) ?? "null"),
        ]))])
    }

    /// `fovea inspect`'s line: `early stop: patience 3 epochs on validation accuracy; 1 epoch
    /// without improvement since epoch 7 (99.12%)`, or `…; stopped after epoch 10, 3 epochs
    /// without improvement since epoch 7 (99.12%)`.
    static func inspectLine(_ checkpoint: Checkpoint, _ earlyStopping: EarlyStopping) -> String {
        let metric = checkpoint.selectionMetric, history = checkpoint.history
        let patience = earlyStopping.patience, count = checkpoint.epochsWithoutImprovement
        var text = "early stop: patience \(patience) epoch\(patience == 1 ? "" : "s") on \(metric.title); "
        if history.stoppedEarly { text += "stopped after epoch \(checkpoint.state.epoch), " }
        guard let best = history.best else { return text + "no epoch evaluated yet" }
        text += "\(count) epoch\(count == 1 ? "" : "s") without improvement since epoch \(best.epoch)"
        return text + (figure(metric, best).map { " (\($0))" } ?? "")
    }

    /// `fovea inspect --json`'s `early_stop` value: `null` without early stopping, else
    /// `{"patience":3,"metric":"validation_accuracy","epochs_without_improvement":1,
    /// "best_epoch":7,"stopped":false}`.
    static func inspectJSON(_ checkpoint: Checkpoint) -> String {
        guard let earlyStopping = checkpoint.earlyStopping else { return "null" }
        return JSON.object([
            ("patience", "\(earlyStopping.patience)"),
            ("metric", JSON.string(checkpoint.selectionMetric.key)),
            ("epochs_without_improvement", "\(checkpoint.epochsWithoutImprovement)"),
            ("best_epoch", checkpoint.history.best.map { "\($0.epoch)" } ?? "null"),
            ("stopped", "\(checkpoint.history.stoppedEarly)"),
        ])
    }
}
