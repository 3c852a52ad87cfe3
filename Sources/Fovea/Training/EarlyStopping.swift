/// Early stopping (`fovea train --early-stop N`): a run stops after the first epoch that leaves
/// its metric `patience` epochs without improving, as Keras's `EarlyStopping(patience=N)` and
/// PyTorch Lightning's `EarlyStopping(patience=N)` with `min_delta` 0 do.
///
/// The metric and the notion of "improved" are those that choose `best.fovea`
/// (`RunHistory.record`, `SelectionMetric`): an epoch improves if it beats the best epoch so far
/// strictly (a higher validation accuracy, else test accuracy; for a loss that does not classify,
/// a lower loss); a tie keeps the earlier epoch and is no improvement. So the count is never kept
/// apart from the history: the epochs without improvement are the epochs finished since the best
/// one, `epoch − best.epoch`, and the stopped run's best epoch is exactly the one in `best.fovea`.
///
/// The run stops only before its planned end: after epoch `e < epochs` with
/// `e − best.epoch ≥ patience` (a run that reaches its last epoch simply ends). Nothing of this
/// changes the numbers an epoch produces, so a resumed run continues the count exactly, and the
/// patience may change on resume as the planned epochs may.
public struct EarlyStopping: Hashable, Sendable, CustomStringConvertible {
    /// `N`: the epochs without improvement that stop the run.
    public let patience: Int

    /// The largest patience accepted (far beyond any useful run; it bounds what a checkpoint
    /// may claim).
    public static let maximumPatience = 10_000

    /// What `patience` must be, for messages.
    public static let requirement = "a whole number of epochs from 1 to \(maximumPatience)"

    /// Whether `patience` is allowed: 1 … `maximumPatience`.
    public static func accepts(_ patience: Int) -> Bool {
        (1 ... maximumPatience).contains(patience)
    }

    /// Early stopping after `patience` epochs without improvement, or `nil` if
    /// `accepts(patience)` says no.
    public init?(patience: Int) {
        guard EarlyStopping.accepts(patience) else { return nil }
        self.patience = patience
    }

    /// The epochs finished since the best one (`epoch − history.best.epoch`), or since the start
    /// if no epoch has been evaluated yet. `epoch` is the number of finished epochs.
    public static func epochsWithoutImprovement(_ history: RunHistory, epoch: Int) -> Int {
        max(0, epoch - (history.best?.epoch ?? 0))
    }

    /// Whether a run that has finished `epoch` of its `epochs` epochs, with `history`, stops
    /// here: before its planned end, with its metric `patience` or more epochs without improving.
    public func stops(_ history: RunHistory, epoch: Int, epochs: Int) -> Bool {
        epoch < epochs && EarlyStopping.epochsWithoutImprovement(history, epoch: epoch) >= patience
    }

    public var description: String { "early stop after \(patience) epoch\(patience == 1 ? "" : "s") without improvement" }
}

/// The figure `best.fovea` and early stopping judge epochs by: validation accuracy if the run has
/// a validation set, else test accuracy; for a loss that does not classify, the validation (else
/// test) loss. `EpochEvaluation.isBetter(than:)` applies exactly this precedence.
public enum SelectionMetric: UInt8, Sendable, CaseIterable {
    case validationAccuracy = 1, testAccuracy = 2, validationLoss = 3, testLoss = 4

    /// The metric of a run that evaluates a validation set (`hasValidation`) or else its test set
    /// after every epoch, with a loss that does (`classifies`) or does not classify.
    public init(hasValidation: Bool, classifies: Bool) {
        switch (hasValidation, classifies) {
        case (true, true): self = .validationAccuracy
        case (false, true): self = .testAccuracy
        case (true, false): self = .validationLoss
        case (false, false): self = .testLoss
        }
    }

    /// The metric of a run evaluating `validation` and `test` after every epoch with `loss`, or
    /// `nil` if neither set holds a sample (then no epoch is ever better than another, and early
    /// stopping has nothing to watch).
    public init?(validation: ImageSet?, test: ImageSet?, loss: any Loss.Type) {
        let hasValidation = (validation?.count ?? 0) > 0
        guard hasValidation || (test?.count ?? 0) > 0 else { return nil }
        self.init(hasValidation: hasValidation, classifies: loss.classifies)
    }

    /// `validation accuracy`, `test loss`…
    public var title: String {
        switch self {
        case .validationAccuracy: "validation accuracy"
        case .testAccuracy: "test accuracy"
        case .validationLoss: "validation loss"
        case .testLoss: "test loss"
        }
    }

    /// `validation_accuracy`, `test_loss`… (the field of an evaluation record, and a JSON key).
    public var key: String {
        switch self {
        case .validationAccuracy: "validation_accuracy"
        case .testAccuracy: "test_accuracy"
        case .validationLoss: "validation_loss"
        case .testLoss: "test_loss"
        }
    }

    /// Whether the metric is an accuracy (higher is better) rather than a loss (lower is better).
    public var isAccuracy: Bool { self == .validationAccuracy || self == .testAccuracy }

    /// The metric's value in `evaluation` (`nil`: not measured).
    public func value(in evaluation: EpochEvaluation) -> Double? {
        switch self {
        case .validationAccuracy: evaluation.validationAccuracy
        case .testAccuracy: evaluation.testAccuracy
        case .validationLoss: evaluation.validationLoss
        case .testLoss: evaluation.testLoss
        }
    }
}
