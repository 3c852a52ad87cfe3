/// Forward and backward passes of a whole network over one shard, on a worker's workspace.
extension Network {
    /// Trains on one shard: forward through every layer, the network's `loss` against `targets`,
    /// backward through every layer. Writes (does not accumulate) the shard's parameter gradient
    /// into `gradients`, scaled by `gradientScale` (`1 / batch size`, so that the shards of a
    /// batch sum to the gradient of the batch-mean loss). Returns the shard's summed loss and
    /// correct count.
    ///
    /// - images: `[batch, inputShape]`, normalised
    /// - targets: the shard's labels and target images
    /// - state: the model's state (`Model.state`), `stateCount` values
    /// - random: the step's dropout stream; layer `i` of `layers` uses `random.child(i)`
    /// - firstPosition: the shard's first sample's position in the batch
    public func trainShard(
        images: UnsafePointer<Float>, targets: LossTargets, batch: Int, gradientScale: Float,
        parameters: UnsafePointer<Float>, state: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        random: RandomStream, firstPosition: Int, workspace: NetworkWorkspace
    ) -> LossTotals {
        precondition(workspace.training && batch <= workspace.capacity,
                     "shard of \(batch) on a \(workspace.training ? "training" : "inference") workspace of \(workspace.capacity)")
        return withShardBuffers(workspace: workspace, images: images, parameters: parameters, state: state) { shard in
            for (i, layer) in executionLayers.enumerated() {
                layer.forward(shard.forward(i, batch: batch, training: true, random: random, firstPosition: firstPosition))
            }

            // The loss writes the output's gradient into the first gradient buffer; the backward
            // pass then alternates between the two.
            let totals = loss.evaluate(output: shard.networkOutput, outputCount: outputCount, targets: targets, batch: batch,
                                       dOutput: shard.gradientBuffers.0, gradientScale: gradientScale)

            for (i, layer) in executionLayers.enumerated().reversed() {
                let (dOutput, dInput) = shard.gradientBuffers(forPosition: i)
                layer.backward(shard.backward(i, batch: batch, dOutput: dOutput, dInput: dInput, gradients: gradients))
            }
            return totals
        }
    }

    /// Runs the network in evaluation mode (dropout off) on one shard and scores it with its
    /// `loss` against `targets`. `state` is the model's state, as for `trainShard`. When `output`
    /// is given, copies the `[batch, outputCount]` outputs (for a classifier, the logits) there.
    public func evaluateShard(
        images: UnsafePointer<Float>, targets: LossTargets, batch: Int,
        parameters: UnsafePointer<Float>, state: UnsafePointer<Float>, workspace: NetworkWorkspace,
        output: UnsafeMutablePointer<Float>? = nil
    ) -> LossTotals {
        precondition(batch <= workspace.capacity, "shard of \(batch) on a workspace of \(workspace.capacity)")
        return withShardBuffers(workspace: workspace, images: images, parameters: parameters, state: state) { shard in
            for (i, layer) in executionLayers.enumerated() {
                layer.forward(shard.forward(i, batch: batch, training: false, random: RandomStream(key: 0), firstPosition: 0))
            }
            output?.update(from: shard.networkOutput, count: batch * outputCount)
            return loss.evaluate(output: shard.networkOutput, outputCount: outputCount, targets: targets, batch: batch,
                                 dOutput: nil, gradientScale: 0)
        }
    }

    /// Lends `body` the buffers of one shard's passes on `workspace` (valid only during the
    /// call).
    func withShardBuffers<R>(workspace: NetworkWorkspace, images: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                             state: UnsafePointer<Float>, _ body: (ShardBuffers) -> R) -> R {
        workspace.buffer.withUnsafeMutableBufferPointer { memory in
            body(ShardBuffers(network: self, workspace: workspace, base: memory.baseAddress!, images: images,
                              parameters: parameters, state: state))
        }
    }
}

/// Where one shard's passes keep everything on a worker's workspace: the layer at execution
/// position `i` (`Network.executionLayers`) reads `input(i)` (the images for the first one)
/// and writes `output(i)`, with its cache, the parameters, state and random stream of the layer
/// it computes (`Network.executionOrder`) and the shared scratch; the backward pass alternates between the
/// two `gradientBuffers`. On an inference workspace consecutive layers write to two alternating
/// buffers (`NetworkWorkspace.activationOffsets`). Used by `trainShard`, `evaluateShard` and
/// `LayerProfiler`, which times the same calls one layer at a time. The pointers are valid
/// only inside `Network.withShardBuffers`.
struct ShardBuffers {
    let network: Network
    let workspace: NetworkWorkspace
    let base: UnsafeMutablePointer<Float>
    let images: UnsafePointer<Float>
    let parameters: UnsafePointer<Float>
    let state: UnsafePointer<Float>

    var gemm: GEMMWorkspace { GEMMWorkspace(memory: base + workspace.gemmOffset, packedACapacity: workspace.packedACapacity) }
    var scratch: UnsafeMutablePointer<Float> { base + workspace.scratchOffset }
    var gradientBuffers: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base + workspace.gradientOffsets.0, base + workspace.gradientOffsets.1)
    }

    /// The gradient buffers of execution position `i`'s backward pass: its output gradient is in
    /// buffer `Network.gradientBuffer(ofPosition: i)`, its input gradient goes to the other one.
    func gradientBuffers(forPosition i: Int) -> (dOutput: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>) {
        let (a, b) = gradientBuffers
        return network.gradientBuffer(ofPosition: i) == 0 ? (a, b) : (b, a)
    }

    func output(_ i: Int) -> UnsafeMutablePointer<Float> { base + workspace.activationOffsets[i] }
    func input(_ i: Int) -> UnsafePointer<Float> { i == 0 ? images : UnsafePointer(output(i - 1)) }
    /// The network's output, `[batch, outputCount]`: the last layer's output (the images if there
    /// are no layers).
    var networkOutput: UnsafePointer<Float> { input(network.executionLayers.count) }

    /// The forward pass of the layer at execution position `i` over `batch` samples. `random` is
    /// the step's stream; the layer gets `random.child(l)`, `l` its index in `Network.layers`.
    func forward(_ i: Int, batch: Int, training: Bool, random: RandomStream, firstPosition: Int) -> LayerForward {
        let layer = network.executionOrder[i]
        return LayerForward(input: input(i), output: output(i), batch: batch, parameters: parameters + network.parameterOffsets[layer],
                            state: state + network.stateOffsets[layer], cache: base + workspace.cacheOffsets[i], scratch: scratch,
                            gemm: gemm, training: training, random: random.child(UInt64(layer)), firstPosition: firstPosition)
    }

    /// The backward pass of the layer at execution position `i` from `dOutput`, writing its
    /// input gradient to `dInput` (not for the first layer) and its parameter gradient into
    /// `gradients` (the whole network's buffer).
    func backward(_ i: Int, batch: Int, dOutput: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                  gradients: UnsafeMutablePointer<Float>) -> LayerBackward {
        let layer = network.executionOrder[i]
        let offset = network.parameterOffsets[layer]
        return LayerBackward(input: input(i), output: output(i), dOutput: dOutput, dInput: i == 0 ? nil : dInput, batch: batch,
                             parameters: parameters + offset, state: state + network.stateOffsets[layer], dParameters: gradients + offset,
                             cache: base + workspace.cacheOffsets[i], scratch: scratch, gemm: gemm)
    }
}
