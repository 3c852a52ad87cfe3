/// Forward and backward passes of a whole network over one shard, on a worker's workspace.
extension Network {
    /// Trains on one shard: forward through every layer, softmax cross-entropy against `labels`,
    /// backward through every layer. Writes (does not accumulate) the shard's parameter gradient
    /// into `gradients`, scaled by `gradientScale` (`1 / batch size`, so that the shards of a
    /// batch sum to the gradient of the batch-mean loss). Returns the shard's summed loss and
    /// correct count.
    ///
    /// - images: `[batch, inputShape]`, normalised
    /// - labels: `[batch]`
    /// - random: the step's dropout stream; layer `i` uses `random.child(i)`
    /// - firstPosition: the shard's first sample's position in the batch
    public func trainShard(
        images: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, batch: Int, gradientScale: Float,
        parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        random: RandomStream, firstPosition: Int, workspace: NetworkWorkspace
    ) -> SoftmaxCrossEntropy.Totals {
        precondition(workspace.training && batch <= workspace.capacity,
                     "shard of \(batch) on a \(workspace.training ? "training" : "inference") workspace of \(workspace.capacity)")
        return withShardBuffers(workspace: workspace, images: images, parameters: parameters) { shard in
            for (i, layer) in executionLayers.enumerated() {
                layer.forward(shard.forward(i, batch: batch, training: true, random: random.child(UInt64(i)), firstPosition: firstPosition))
            }

            // The loss writes dLogits into the first gradient buffer; the backward pass then
            // alternates between the two.
            var (dOutput, dInput) = shard.gradientBuffers
            let totals = SoftmaxCrossEntropy.evaluate(
                logits: shard.output(executionLayers.count - 1), labels: labels, batch: batch, classes: classes,
                dLogits: dOutput, gradientScale: gradientScale)

            for (i, layer) in executionLayers.enumerated().reversed() {
                layer.backward(shard.backward(i, batch: batch, dOutput: dOutput, dInput: dInput, gradients: gradients))
                swap(&dOutput, &dInput)
            }
            return totals
        }
    }

    /// Lends `body` the buffers of one shard's training passes on `workspace` (valid only
    /// during the call).
    func withShardBuffers<R>(workspace: NetworkWorkspace, images: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                             _ body: (ShardBuffers) -> R) -> R {
        workspace.buffer.withUnsafeMutableBufferPointer { memory in
            body(ShardBuffers(network: self, workspace: workspace, base: memory.baseAddress!, images: images, parameters: parameters))
        }
    }

    /// Runs the network in evaluation mode (dropout off) on one shard and scores it against
    /// `labels`. When `predictions` is given, writes each sample's predicted class there.
    /// When `logits` is given, copies the `[batch, classes]` logits there.
    public func evaluateShard(
        images: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, batch: Int,
        parameters: UnsafePointer<Float>, workspace: NetworkWorkspace,
        logits: UnsafeMutablePointer<Float>? = nil
    ) -> SoftmaxCrossEntropy.Totals {
        precondition(batch <= workspace.capacity, "shard of \(batch) on a workspace of \(workspace.capacity)")
        return workspace.buffer.withUnsafeMutableBufferPointer { memory in
            let base = memory.baseAddress!
            let gemm = GEMMWorkspace(memory: base + workspace.gemmOffset, packedACapacity: workspace.packedACapacity)
            let scratch = base + workspace.scratchOffset
            let pingPong = workspace.training ? nil : (base + workspace.activationOffsets[0], base + workspace.activationOffsets[1])
            var x = images
            for (i, layer) in executionLayers.enumerated() {
                let y = pingPong.map { i % 2 == 0 ? $0.0 : $0.1 } ?? base + workspace.activationOffsets[i]
                layer.forward(LayerForward(
                    input: x, output: y, batch: batch, parameters: parameters + parameterOffsets[i],
                    cache: base + workspace.cacheOffsets[i], scratch: scratch, gemm: gemm, training: false,
                    random: RandomStream(key: 0), firstPosition: 0))
                x = UnsafePointer(y)
            }
            logits?.update(from: x, count: batch * classes)
            return SoftmaxCrossEntropy.evaluate(logits: x, labels: labels, batch: batch, classes: classes,
                                                dLogits: nil, gradientScale: 0)
        }
    }
}

/// Where one shard's training passes keep everything on a worker's workspace: layer `i`
/// (`Network.executionLayers`) reads `input(i)` (the images for the first layer) and writes
/// `output(i)`, with its cache, its parameters and the shared scratch; the backward pass
/// alternates between the two `gradientBuffers`. Used by `trainShard` and by `LayerProfiler`,
/// which times the same calls one layer at a time. The pointers are valid only inside
/// `Network.withShardBuffers`.
struct ShardBuffers {
    let network: Network
    let workspace: NetworkWorkspace
    let base: UnsafeMutablePointer<Float>
    let images: UnsafePointer<Float>
    let parameters: UnsafePointer<Float>

    var gemm: GEMMWorkspace { GEMMWorkspace(memory: base + workspace.gemmOffset, packedACapacity: workspace.packedACapacity) }
    var scratch: UnsafeMutablePointer<Float> { base + workspace.scratchOffset }
    var gradientBuffers: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (base + workspace.gradientOffsets.0, base + workspace.gradientOffsets.1)
    }

    func output(_ i: Int) -> UnsafeMutablePointer<Float> { base + workspace.activationOffsets[i] }
    func input(_ i: Int) -> UnsafePointer<Float> { i == 0 ? images : UnsafePointer(output(i - 1)) }

    /// Layer `i`'s forward pass over `batch` samples.
    func forward(_ i: Int, batch: Int, training: Bool, random: RandomStream, firstPosition: Int) -> LayerForward {
        LayerForward(input: input(i), output: output(i), batch: batch, parameters: parameters + network.parameterOffsets[i],
                     cache: base + workspace.cacheOffsets[i], scratch: scratch, gemm: gemm, training: training,
                     random: random, firstPosition: firstPosition)
    }

    /// Layer `i`'s backward pass from `dOutput`, writing its input gradient to `dInput` (not for
    /// the first layer) and its parameter gradient into `gradients` (the whole network's buffer).
    func backward(_ i: Int, batch: Int, dOutput: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                  gradients: UnsafeMutablePointer<Float>) -> LayerBackward {
        LayerBackward(input: input(i), output: output(i), dOutput: dOutput, dInput: i == 0 ? nil : dInput, batch: batch,
                      parameters: parameters + network.parameterOffsets[i], dParameters: gradients + network.parameterOffsets[i],
                      cache: base + workspace.cacheOffsets[i], scratch: scratch, gemm: gemm)
    }
}
