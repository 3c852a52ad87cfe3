/// The memory one worker thread needs to run a network on a shard of up to `capacity` samples,
/// allocated once as a single aligned block and carved into regions:
///
/// - training: every layer's output `[capacity, shape]` (the backward pass reads them all; an
///   activation that runs in place shares its input's, `Network.writesInPlace`), each layer's
///   cache, two ping-pong gradient buffers (each as large as the largest output gradient it
///   holds), the largest layer scratch, and the GEMM packing buffers;
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
    /// in training one region per layer (the backward pass reads them all) but for the layers
    /// that write over their input (`Network.writesInPlace`); in inference two
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
        let layout = NetworkWorkspace.layout(network: network, capacity: capacity, training: training)
        activationOffsets = layout.activations
        cacheOffsets = layout.caches
        gradientOffsets = layout.gradients
        scratchOffset = layout.scratch
        packedACapacity = layout.packedA
        gemmOffset = layout.gemm
        buffer = AlignedBuffer(count: layout.size)
    }

    /// Where each region of a workspace starts, and its size in floats.
    private struct Layout {
        var activations: [Int] = [], caches: [Int] = [], gradients = (0, 0)
        var scratch = 0, packedA = 0, gemm = 0, size = 0
    }

    private static func layout(network: Network, capacity: Int, training: Bool) -> Layout {
        var layout = Layout()
        func region(_ count: Int) -> Int {
            defer { layout.size += alignedFloatCount(count) }
            return layout.size
        }
        let largest = network.executionLayers.reduce(network.inputShape.count) { max($0, $1.outputShape.count) } * capacity
        if training {
            layout.activations = []
            for (i, layer) in network.executionLayers.enumerated() {
                layout.activations.append(network.writesInPlace(at: i) ? layout.activations[i - 1] : region(layer.outputShape.count * capacity))
            }
            layout.caches = network.executionLayers.map { region($0.cacheCount(batch: capacity)) }
            // Each gradient buffer is as large as the largest output gradient it holds
            // (`Network.gradientBuffer(ofPosition:)`; buffer 0 also the loss's, of the output).
            let layers = network.executionLayers
            func gradientSize(buffer: Int) -> Int {
                layers.indices.filter { network.gradientBuffer(ofPosition: $0) == buffer }.reduce(buffer == 0 ? network.outputCount : 0) {
                    max($0, layers[$1].outputShape.count)
                } * capacity
            }
            layout.gradients = (region(gradientSize(buffer: 0)), region(gradientSize(buffer: 1)))
        } else {
            let pingPong = [region(largest), region(largest)]
            layout.activations = network.executionLayers.indices.map { pingPong[$0 % 2] }
            layout.caches = network.executionLayers.map { _ in region(0) }
        }
        layout.scratch = region(network.executionLayers.reduce(0) { max($0, $1.scratchCount(batch: capacity)) })
        layout.packedA = network.executionLayers.reduce(0) { max($0, $1.packedACount(batch: capacity)) }
        layout.gemm = region(GEMMWorkspace.count(packedACount: layout.packedA))
        return layout
    }

    /// Bytes a workspace for `network` with room for `capacity` samples would hold, in Double
    /// (an estimate for a memory budget: it cannot overflow). Counts the per-sample regions
    /// exactly and the layers' scratch and GEMM buffers once.
    public static func estimatedBytes(network: Network, capacity: Int, training: Bool) -> Double {
        let perSample = network.executionLayers.reduce(Double(network.inputShape.count)) { max($0, Double($1.outputShape.count)) }
        let kept = network.executionLayers.indices.filter { !network.writesInPlace(at: $0) }
        let activations = training ? kept.reduce(0.0) { $0 + Double(network.executionLayers[$1].outputShape.count) } + 2 * perSample : 2 * perSample
        // Caches, scratch and packing buffers at one sample, scaled to the capacity: they grow at
        // most linearly with it.
        let one = network.executionLayers.reduce(0.0) {
            $0 + (training ? Double($1.cacheCount(batch: 1)) : 0)
        } + network.executionLayers.reduce(0.0) { max($0, Double($1.scratchCount(batch: 1))) }
        return 4 * (Double(capacity) * (activations + one) + Double(GEMMWorkspace.count(packedACount: 0))
                    + network.executionLayers.reduce(0.0) { max($0, Double($1.packedACount(batch: 1))) })
    }

    /// Bytes of memory held.
    public var byteCount: Int { buffer.count * MemoryLayout<Float>.stride }
}
