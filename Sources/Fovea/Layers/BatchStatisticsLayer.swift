/// A layer that, in training, needs statistics of the whole batch, across every shard the batch
/// is cut into (batch normalization). The trainer runs it in two steps on each side of the
/// pass, with a reduction between them:
///
/// - forward: each shard's partial statistics of its input (`forwardStatistics`); then, once,
///   the batch's statistics from the partials in shard order (`combineForwardStatistics`); then
///   each shard's output from the batch's statistics (`forward(_:statistics:)`);
/// - backward: each shard's partial sums of its output gradient, which also are its parameter
///   gradient (`backwardStatistics`); then, once, their sum in shard order
///   (`combineBackwardStatistics`); then each shard's input gradient (`backward(_:…)`);
/// - after an applied step: the running state from the step's batch statistics (`updateState`).
///
/// The shards depend only on the batch size and every reduction runs in shard order, so the
/// result is the same for any `--threads`. On its own (`forward(_:)` and `backward(_:)`, as
/// `LayerFunction` and `fovea bench` call it) a layer treats its one shard as the whole batch,
/// keeping the statistics in its cache; in evaluation `forward(_:)` uses the running state.
public protocol BatchStatisticsLayer: Layer {
    /// Floats of one shard's partial statistics, and of the batch's statistics made from them,
    /// on either side of the pass.
    var statisticsCount: Int { get }
    /// Forward, per shard: the partial statistics of `pass.input`.
    func forwardStatistics(_ pass: LayerForward, into partial: UnsafeMutablePointer<Float>)
    /// Once per batch: the batch's statistics from the shards' partials, in shard order, with
    /// the shards' sample counts.
    func combineForwardStatistics(_ partials: [UnsafePointer<Float>], batches: [Int], into statistics: UnsafeMutablePointer<Float>)
    /// Forward, per shard, in training, with the batch's statistics.
    func forward(_ pass: LayerForward, statistics: UnsafePointer<Float>)
    /// Backward, per shard: the partial sums of `pass.dOutput`; writes the shard's parameter
    /// gradient (`pass.dParameters`).
    func backwardStatistics(_ pass: LayerBackward, forwardStatistics: UnsafePointer<Float>, into partial: UnsafeMutablePointer<Float>)
    /// Once per batch: the batch's sums from the shards' partials, in shard order.
    func combineBackwardStatistics(_ partials: [UnsafePointer<Float>], into sums: UnsafeMutablePointer<Float>)
    /// Backward, per shard: the input gradient from the batch's statistics and sums;
    /// `wholeBatch` is the number of samples in the batch.
    func backward(_ pass: LayerBackward, forwardStatistics: UnsafePointer<Float>, backwardSums: UnsafePointer<Float>, wholeBatch: Int)
    /// After an applied step: the layer's state from that step's batch statistics over
    /// `wholeBatch` samples.
    func updateState(_ state: UnsafeMutablePointer<Float>, forwardStatistics: UnsafePointer<Float>, wholeBatch: Int)
}
