/// Where a run stands between two steps. With the parameters and the optimizer's state it is
/// everything a run needs to continue exactly as if it had never stopped: the random streams are
/// keyed by (seed, `epoch`) for shuffling and (seed, `globalStep`) for dropout, and the learning
/// rate is a function of `globalStep`.
public struct TrainingState: Equatable, Sendable {
    /// Completed epochs.
    public var epoch: Int
    /// Steps done of the epoch in progress (0 at an epoch boundary).
    public var stepInEpoch: Int
    /// Steps done over the whole run.
    public var globalStep: Int
    /// Summed loss and correct guesses of the steps done in the epoch in progress, so that a
    /// resumed epoch reports what an uninterrupted one would.
    public var epochTotals: LossTotals

    public init(epoch: Int, stepInEpoch: Int, globalStep: Int, epochTotals: LossTotals) {
        self.epoch = epoch
        self.stepInEpoch = stepInEpoch
        self.globalStep = globalStep
        self.epochTotals = epochTotals
    }
}
