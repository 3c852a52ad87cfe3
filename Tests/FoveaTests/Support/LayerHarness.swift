import Testing
import Fovea

/// Runs one layer on its own buffers (through the library's `LayerFunction`), in training
/// mode, for gradient checks and oracle tests.
struct LayerHarness {
    let layer: any Layer
    let batch: Int
    let random = RandomStream(seed: 5, purpose: .dropout, 0)

    var inputCount: Int { batch * layer.inputShape.count }
    var outputCount: Int { batch * layer.outputShape.count }

    private var function: LayerFunction {
        var function = LayerFunction(layer)
        function.random = random
        return function
    }

    private var shape: [Int] { [batch, layer.inputShape.channels, layer.inputShape.height, layer.inputShape.width] }

    /// The parameters cut into the layer's tensors.
    private func tensors(_ parameters: [Float]) -> [[Float]] {
        var offset = 0
        return layer.parameterShapes.map { tensor in
            defer { offset += tensor.count }
            return Array(parameters[offset ..< offset + tensor.count])
        }
    }

    /// `y = layer(x)` in training mode (dropout active, with a fixed stream).
    func forward(_ x: [Float], _ parameters: [Float]) -> [Float] {
        do {
            return try function.forward(x, shape: shape, parameters: tensors(parameters), training: true).values
        } catch {
            Issue.record("\(error)")
            return []
        }
    }

    /// The gradients of `Σ y · dy` with respect to x and the parameters.
    func backward(_ x: [Float], _ parameters: [Float], dy: [Float]) -> (dx: [Float], dParameters: [Float]) {
        do {
            let (dx, dp) = try function.backward(x, shape: shape, dOutput: dy, parameters: tensors(parameters))
            return (dx, dp.flatMap { $0 })
        } catch {
            Issue.record("\(error)")
            return ([], [])
        }
    }
}

/// Central-difference derivative of `f` with respect to each element of `values`, in Double:
/// `(f(v + h) − f(v − h)) / 2h`.
func numericalGradient(_ values: [Float], h: Float, _ f: ([Float]) -> Double) -> [Float] {
    var gradient = [Float](repeating: 0, count: values.count)
    var probe = values
    for i in values.indices {
        probe[i] = values[i] + h
        let plus = f(probe)
        probe[i] = values[i] - h
        let minus = f(probe)
        probe[i] = values[i]
        gradient[i] = Float((plus - minus) / Double(2 * h))
    }
    return gradient
}

/// `Σ a · b` in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Lends `body` the state pointer of a network that keeps no state (`Network.stateCount == 0`).
func withNoState<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
    AlignedBuffer.withBaseAddresses([AlignedBuffer(count: 0)]) { body($0[0].pointer) }
}

/// `ReferenceKernels.convolve` over a batch: weight `[K, C, R, S]` then bias `[K]` in
/// `parameters` (from `offset`), each sample of `x` in turn.
func referenceConvolution(_ x: [Float], _ parameters: [Float], offset: Int = 0, batch: Int, geometry g: ConvolutionGeometry) -> [Float] {
    var y = [Float](repeating: 0, count: batch * g.outputCount)
    x.withUnsafeBufferPointer { x in
        parameters.withUnsafeBufferPointer { p in
            y.withUnsafeMutableBufferPointer { y in
                for n in 0 ..< batch {
                    ReferenceKernels.convolve(x: x.baseAddress! + n * g.inputCount, weight: p.baseAddress! + offset,
                                              bias: p.baseAddress! + offset + g.outputChannels * g.patchSize,
                                              y: y.baseAddress! + n * g.outputCount, geometry: g)
                }
            }
        }
    }
    return y
}
