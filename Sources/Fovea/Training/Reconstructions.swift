/// One test image as an autoencoder saw and rebuilt it, for `fovea eval --png`: all three on
/// the byte scale (0…255, background 0), `[C, H, W]` each.
public struct Reconstruction: Sendable, Equatable {
    /// The sample's index in the set, and its label.
    public let index: Int
    public let label: Int
    /// The clean image (the loss's target).
    public let input: [Float]
    /// The image the network saw: `input` after the run's corruption (`nil` without one).
    public let corrupted: [Float]?
    /// The network's output, turned back from the normalised scale, `(y · std + mean) · 255`
    /// (not clamped: a picture clamps it).
    public let output: [Float]
}

/// Why reconstructions cannot be drawn.
public enum ReconstructionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The network's output is not an image of its input's shape.
    case notAnAutoencoder(target: TrainingTarget, loss: String)

    public var description: String {
        switch self {
        case let .notAnAutoencoder(target, loss):
            "the model compares its output with \(target.description) (loss \(loss)), not with its input, so it rebuilds no image (use a checkpoint trained with --target input)"
        }
    }
}

extension Evaluator {
    /// The first `count` samples of `set` (all if it has fewer) through the model as
    /// `evaluate` runs them: the same corruption (`InputCorruption.evaluationEpoch`), evaluation
    /// mode. One thread, in shards of `shardCapacity`; a sample's output does not depend on the
    /// others in its shard. For a network whose target is its input.
    public func reconstructions(_ model: Model, on set: ImageSet, count: Int) throws(ReconstructionError) -> [Reconstruction] {
        let network = model.network
        guard network.target == .input else {
            throw .notAnAutoencoder(target: network.target, loss: network.loss.title)
        }
        precondition(set.sampleShape == network.inputShape, "reconstructing with a \(network.inputShape) model on \(set.sampleShape) images")
        let size = network.inputShape.count
        let total = min(max(count, 0), set.count)
        let normalization = model.normalization
        let workspace = NetworkWorkspace(network: network, capacity: Evaluator.shardCapacity, training: false)
        let inputs = AlignedBuffer(count: Evaluator.shardCapacity * size)
        // The clean normalised images, written beside the corrupted inputs (`writeInputs`); the
        // inputs themselves without a corruption.
        let cleanImages = corruption == nil ? inputs : AlignedBuffer(count: Evaluator.shardCapacity * size)
        let outputs = AlignedBuffer(count: Evaluator.shardCapacity * network.outputCount)
        var results: [Reconstruction] = []
        results.reserveCapacity(total)
        var first = 0
        while first < total {
            let shard = min(Evaluator.shardCapacity, total - first)
            AlignedBuffer.withBaseAddresses([model.parameters, model.state, inputs, outputs, cleanImages]) { pointers in
                let x = pointers[2].pointer, y = pointers[3].pointer
                writeInputs(of: set, from: first, count: shard, normalization: normalization, clean: pointers[4].pointer, inputs: x)
                let clean = set.withPixels { pixels in Array(pixels[(first * size) ..< ((first + shard) * size)]).map(Float.init) }
                set.labels.withUnsafeBufferPointer { labels in
                    _ = network.evaluateShard(images: x, targets: LossTargets(labels: labels.baseAddress! + set.indices.lowerBound + first,
                                                                              images: x, sampleSize: size),
                                              batch: shard, parameters: pointers[0].pointer, state: pointers[1].pointer,
                                              workspace: workspace, output: y)
                }
                let std = normalization.std, mean = normalization.mean
                for n in 0 ..< shard {
                    let seen = corruption.map { _ in (0 ..< size).map { (x[n * size + $0] * std + mean) * 255 } }
                    results.append(Reconstruction(index: first + n, label: Int(set.label(first + n)),
                                                  input: Array(clean[n * size ..< (n + 1) * size]), corrupted: seen,
                                                  output: (0 ..< size).map { (y[n * size + $0] * std + mean) * 255 }))
                }
            }
            first += shard
        }
        return results
    }
}
