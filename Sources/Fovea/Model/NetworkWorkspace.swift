/// The memory one worker thread needs to run a network on a shard of up to `capacity` samples,
/// allocated once as a single aligned block and carved into regions:
///
/// - training: every layer's output `[capacity, shape]` (the backward pass reads them all), each
///   layer's cache, two ping-pong gradient buffers of the largest activation, the largest layer
///   scratch, and the GEMM packing buffers;
/// - inference: only two ping-pong activation buffers besides scratch and GEMM.
///
/// A workspace is owned by one worker at a time; it carries no state from one shard to the next.
public final class NetworkWorkspace: @unchecked Sendable {
    public let network: Network
    /// Largest shard, in samples.
    public let capacity: Int
    public let training: Bool

    let buffer: AlignedBuffer
    /// Offset of the output of the layer at each execution position (`Network.executionLayers`):
    /// in training one region per layer (the backward pass reads them all); in inference two
    /// regions, used alternately (position `i` writes region `i % 2`, reading the other).
    let activationOffsets: [Int]
    let cacheOffsets: [Int]
    let gradientOffsets: (Int, Int)
    let scratchOffset: Int
    let gemmOffset: Int
    let packedACapacity: Int

    public init(network: Network, capacity: Int, training: Bool) {
        self.network = network
        self.capacity = capacity
        self.training = training
        var size = 0
        func region(_ count: Int) -> Int {
            defer { size += alignedFloatCount(count) }
            return size
        }
        let largest = network.executionLayers.reduce(network.inputShape.count) { max($0, $1.outputShape.count) } * capacity
        if training {
            activationOffsets = network.executionLayers.map { region($0.outputShape.count * capacity) }
            cacheOffsets = network.executionLayers.map { region($0.cacheCount(batch: capacity)) }
            gradientOffsets = (region(largest), region(largest))
        } else {
            let pingPong = [region(largest), region(largest)]
            activationOffsets = network.executionLayers.indices.map { pingPong[$0 % 2] }
            cacheOffsets = network.executionLayers.map { _ in region(0) }
            gradientOffsets = (0, 0)
        }
        scratchOffset = region(network.executionLayers.reduce(0) { max($0, $1.scratchCount(batch: capacity)) })
        packedACapacity = network.executionLayers.reduce(0) { max($0, $1.packedACount(batch: capacity)) }
        gemmOffset = region(GEMMWorkspace.count(packedACount: packedACapacity))
        buffer = AlignedBuffer(count: size)
    }

    /// Bytes of memory held.
    public var byteCount: Int { buffer.count * MemoryLayout<Float>.stride }
}
