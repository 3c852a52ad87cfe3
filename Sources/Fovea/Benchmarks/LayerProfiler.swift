/// Forward and backward time of one layer on a shard.
public struct LayerTiming: Sendable {
    public let index: Int
    public let layer: String
    /// Median milliseconds per call over the repetitions.
    public let forwardMilliseconds: Double
    public let backwardMilliseconds: Double
    /// Floating-point operations per call: `2 · multiply-adds · batch` forward, twice that
    /// backward (`dW` and `dx`; the first layer's `dx` is skipped but counted, as PyTorch's
    /// convention does).
    public let forwardFlops: Double
    public let backwardFlops: Double
}

/// Times every layer of a network on one worker's shard of random data (single thread), with
/// the same workspace and kernels as training, in the order they run (`Network.executionLayers`).
public enum LayerProfiler {
    public static func profile(network: Network, batch: Int, repetitions: Int = 10) -> [LayerTiming] {
        let workspace = NetworkWorkspace(network: network, capacity: batch, training: true)
        let parameters = AlignedBuffer(count: network.parameterCount)
        let gradients = AlignedBuffer(count: network.parameterCount)
        parameters.withUnsafeMutableBufferPointer { network.initializeParameters($0, seed: 1) }
        let state = AlignedBuffer(count: network.stateCount)
        state.withUnsafeMutableBufferPointer { network.initializeState($0) }
        let input = AlignedBuffer(count: batch * network.inputShape.count)
        input.withUnsafeMutableBufferPointer { x in
            let stream = RandomStream(seed: 2, purpose: .initialization)
            for i in x.indices { x[i] = stream.uniform(UInt64(i)) * 2 - 1 }
        }
        let clock = ContinuousClock()
        var timings: [LayerTiming] = []
        input.withUnsafeBufferPointer { x in
            AlignedBuffer.withBaseAddresses([parameters, state]) { pointers in
                gradients.withUnsafeMutableBufferPointer { g in
                    network.withShardBuffers(workspace: workspace, images: x.baseAddress!, parameters: pointers[0].pointer,
                                             state: pointers[1].pointer) { shard in
                        for (i, layer) in network.executionLayers.enumerated() {
                            let (dOutput, dInput) = shard.gradientBuffers(forPosition: i)
                            let forward = shard.forward(i, batch: batch, training: true,
                                                        random: RandomStream(seed: 3, purpose: .dropout), firstPosition: 0)
                            var forwardTimes: [Double] = [], backwardTimes: [Double] = []
                            for _ in 0 ..< repetitions {
                                let start = clock.now
                                layer.forward(forward)
                                forwardTimes.append((clock.now - start).seconds)
                            }
                            let outputCount = batch * layer.outputShape.count
                            for j in 0 ..< outputCount { dOutput[j] = Float(j % 7) * 0.01 - 0.03 }
                            let backward = shard.backward(i, batch: batch, dOutput: dOutput, dInput: dInput, gradients: g.baseAddress!)
                            for _ in 0 ..< repetitions {
                                let start = clock.now
                                layer.backward(backward)
                                backwardTimes.append((clock.now - start).seconds)
                            }
                            let flops = 2 * Double(layer.multiplyAccumulates * batch)
                            timings.append(LayerTiming(index: i + 1, layer: layer.specification.description,
                                                       forwardMilliseconds: median(forwardTimes) * 1000,
                                                       backwardMilliseconds: median(backwardTimes) * 1000,
                                                       forwardFlops: flops, backwardFlops: 2 * flops))
                        }
                    }
                }
            }
        }
        return timings
    }
}
