import Fovea

/// Runs one layer on its own buffers, for gradient checks and oracle tests.
struct LayerHarness {
    let layer: any Layer
    let batch: Int
    let random = RandomStream(seed: 5, purpose: .dropout, 0)

    var inputCount: Int { batch * layer.inputShape.count }
    var outputCount: Int { batch * layer.outputShape.count }

    /// `y = layer(x)` in training mode (dropout active, with a fixed stream).
    func forward(_ x: [Float], _ parameters: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: outputCount)
        let cache = AlignedBuffer(count: max(layer.cacheCount(batch: batch), 1))
        withBuffers { scratch, gemm, state in
            x.withUnsafeBufferPointer { x in
                parameters.withUnsafeBufferPointer { p in
                    y.withUnsafeMutableBufferPointer { y in
                        cache.withUnsafeMutableBufferPointer { cache in
                            layer.forward(LayerForward(input: x.baseAddress!, output: y.baseAddress!, batch: batch,
                                                       parameters: p.baseAddress ?? UnsafePointer(bitPattern: 64)!, state: state,
                                                       cache: cache.baseAddress!, scratch: scratch, gemm: gemm, training: true,
                                                       random: random, firstPosition: 0))
                        }
                    }
                }
            }
        }
        return y
    }

    /// The gradients of `Σ y · dy` with respect to x and the parameters.
    func backward(_ x: [Float], _ parameters: [Float], dy: [Float]) -> (dx: [Float], dParameters: [Float]) {
        let y = forward(x, parameters)
        // Forward again into a cache we keep, then backward.
        let cache = AlignedBuffer(count: max(layer.cacheCount(batch: batch), 1))
        var dx = [Float](repeating: .nan, count: inputCount)
        var dp = [Float](repeating: .nan, count: parameters.count)
        var yAgain = y
        withBuffers { scratch, gemm, state in
            x.withUnsafeBufferPointer { x in
                parameters.withUnsafeBufferPointer { p in
                    let pBase = p.baseAddress ?? UnsafePointer(bitPattern: 64)!
                    cache.withUnsafeMutableBufferPointer { cache in
                        yAgain.withUnsafeMutableBufferPointer { yy in
                            layer.forward(LayerForward(input: x.baseAddress!, output: yy.baseAddress!, batch: batch, parameters: pBase,
                                                       state: state, cache: cache.baseAddress!, scratch: scratch, gemm: gemm, training: true,
                                                       random: random, firstPosition: 0))
                        }
                        dy.withUnsafeBufferPointer { dy in
                            yAgain.withUnsafeBufferPointer { yy in
                                dx.withUnsafeMutableBufferPointer { dx in
                                    dp.withUnsafeMutableBufferPointer { dp in
                                        layer.backward(LayerBackward(
                                            input: x.baseAddress!, output: yy.baseAddress!, dOutput: dy.baseAddress!, dInput: dx.baseAddress!,
                                            batch: batch, parameters: pBase, state: state,
                                            dParameters: dp.baseAddress ?? UnsafeMutablePointer(bitPattern: 64)!,
                                            cache: cache.baseAddress!, scratch: scratch, gemm: gemm))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dp)
    }

    /// Lends `body` scratch, a GEMM workspace and the layer's state at its initial values.
    private func withBuffers(_ body: (UnsafeMutablePointer<Float>, GEMMWorkspace, UnsafePointer<Float>) -> Void) {
        let scratch = AlignedBuffer(count: max(layer.scratchCount(batch: batch), 1))
        let packed = layer.packedACount(batch: batch)
        let gemm = AlignedBuffer(count: GEMMWorkspace.count(packedACount: packed))
        let state = AlignedBuffer(count: layer.stateCount)
        state.withUnsafeMutableBufferPointer { layer.initializeState($0) }
        AlignedBuffer.withBaseAddresses([scratch, gemm, state]) { pointers in
            body(pointers[0].pointer, GEMMWorkspace(memory: pointers[1].pointer, packedACapacity: packed), pointers[2].pointer)
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
