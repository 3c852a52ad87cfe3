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
        return workspace.buffer.withUnsafeMutableBufferPointer { memory in
            let base = memory.baseAddress!
            let gemm = GEMMWorkspace(memory: base + workspace.gemmOffset, packedACapacity: workspace.packedACapacity)
            let scratch = base + workspace.scratchOffset
            func output(_ i: Int) -> UnsafeMutablePointer<Float> { base + workspace.activationOffsets[i] }
            func input(_ i: Int) -> UnsafePointer<Float> { i == 0 ? images : UnsafePointer(output(i - 1)) }

            for (i, layer) in executionLayers.enumerated() {
                layer.forward(LayerForward(
                    input: input(i), output: output(i), batch: batch, parameters: parameters + parameterOffsets[i],
                    cache: base + workspace.cacheOffsets[i], scratch: scratch, gemm: gemm, training: true,
                    random: random.child(UInt64(i)), firstPosition: firstPosition))
            }

            // The loss writes dLogits into the first gradient buffer; the backward pass then
            // alternates between the two.
            var dOutput = base + workspace.gradientOffsets.0
            var dInput = base + workspace.gradientOffsets.1
            let totals = SoftmaxCrossEntropy.evaluate(
                logits: output(executionLayers.count - 1), labels: labels, batch: batch, classes: classes,
                dLogits: dOutput, gradientScale: gradientScale)

            for (i, layer) in executionLayers.enumerated().reversed() {
                layer.backward(LayerBackward(
                    input: input(i), output: output(i), dOutput: dOutput, dInput: i == 0 ? nil : dInput,
                    batch: batch, parameters: parameters + parameterOffsets[i],
                    dParameters: gradients + parameterOffsets[i], cache: base + workspace.cacheOffsets[i],
                    scratch: scratch, gemm: gemm))
                swap(&dOutput, &dInput)
            }
            return totals
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
