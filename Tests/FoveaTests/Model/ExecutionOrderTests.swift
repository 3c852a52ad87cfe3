import Testing
import Fovea

/// `Network.executionLayers` runs a ReLU after the max pooling it precedes in the spec, and in a
/// training workspace over the pooling's output: the same values and gradients, bit for bit.
@Suite struct ExecutionOrderTests {
    @Test func reluBeforePoolingRunsAfterIt() throws {
        let spec = try ModelSpec("conv(4,3) relu maxpool(2) relu dropout(0.5) flatten dense(16) relu dense(10)")
        let network = try Network(spec: spec, inputShape: FeatureShape(channels: 1, height: 12, width: 12), classes: 10)
        #expect(network.layers.map(\.specification.description) == ["conv(4,3)", "relu", "maxpool(2)", "relu", "dropout(0.5)", "flatten", "dense(16)", "relu", "dense(10)"])
        #expect(network.executionLayers.map(\.specification.description) == ["conv(4,3)", "maxpool(2)", "relu", "relu", "dropout(0.5)", "flatten", "dense(16)", "relu", "dense(10)"])
        #expect(network.executionLayers[2].inputShape == FeatureShape(channels: 4, height: 5, width: 5))
    }

    /// ReLU then max pooling against max pooling then ReLU, on values with ties, zeros and
    /// windows that are all negative, with overlapping and non-overlapping windows.
    @Test(arguments: [(2, 2, 0), (3, 2, 0), (2, 1, 0), (3, 2, 1), (3, 1, 1), (2, 2, 1)])
    func poolingCommutesWithReLU(kernel: Int, stride: Int, padding: Int) throws {
        let shape = FeatureShape(channels: 3, height: 8, width: 10)
        let pool = try #require(MaxPool2D(input: shape, kernel: kernel, stride: stride, padding: padding))
        let before = ReLU(shape: shape), after = ReLU(shape: pool.outputShape)
        let batch = 2
        let x = testValues(batch * shape.count, seed: 9).map { ($0 * 4).rounded() / 4 - 0.25 }
        let dy = testValues(batch * pool.outputShape.count, seed: 10)
        func harness(_ layer: any Layer) -> LayerHarness { LayerHarness(layer: layer, batch: batch) }

        let rectified = harness(before).forward(x, [])
        let y1 = harness(pool).forward(rectified, [])
        let dx1 = harness(before).backward(x, [], dy: harness(pool).backward(rectified, [], dy: dy).dx).dx

        let pooled = harness(pool).forward(x, [])
        let y2 = harness(after).forward(pooled, [])
        let dx2 = harness(pool).backward(x, [], dy: harness(after).backward(pooled, [], dy: dy).dx).dx

        #expect(y1.map(\.bitPattern) == y2.map(\.bitPattern))
        #expect(dx1.map(\.bitPattern) == dx2.map(\.bitPattern))
        #expect(x.contains(0) && y1.contains(0) && dx1.contains { $0 != 0 })

        // The ReLU in place (`ReLU.runsInPlace(after:)`): the pooling's backward pass finds
        // each window's maximum from the clamped output, and still gives the same bits.
        let dPooled = harness(after).backward(pooled, [], dy: dy).dx
        var dx3 = [Float](repeating: .nan, count: x.count)
        let memory = AlignedBuffer(count: GEMMWorkspace.count(packedACount: 0))
        x.withUnsafeBufferPointer { x in
            y2.withUnsafeBufferPointer { clamped in
                dPooled.withUnsafeBufferPointer { dPooled in
                    dx3.withUnsafeMutableBufferPointer { dx in
                        memory.withUnsafeMutableBufferPointer { memory in
                            let unused = memory.baseAddress!
                            pool.backward(LayerBackward(input: x.baseAddress!, output: clamped.baseAddress!, dOutput: dPooled.baseAddress!,
                                                        dInput: dx.baseAddress!, batch: batch, parameters: unused, state: unused,
                                                        dParameters: unused, cache: unused, scratch: unused,
                                                        gemm: GEMMWorkspace(memory: unused, packedACapacity: 0)))
                        }
                    }
                }
            }
        }
        #expect(dx3.map(\.bitPattern) == dx1.map(\.bitPattern))
        #expect(pooled.contains { $0 < 0 })
    }

    /// Only max pooling moves a ReLU: average and sum pooling do not commute with it, and min
    /// pooling is left in place (it commutes, but gains nothing the swap was made for).
    @Test func otherPoolingsKeepTheirOrder() throws {
        let spec = try ModelSpec("conv(4,3) relu avgpool(2) relu minpool(2,stride=1) relu sumpool(2) relu maxpool(3,stride=2,pad=1) flatten dense(10)")
        let network = try Network(spec: spec, inputShape: FeatureShape(channels: 1, height: 20, width: 20), classes: 10)
        #expect(network.executionLayers.map(\.specification.description)
            == ["conv(4,3)", "relu", "avgpool(2)", "relu", "minpool(2,stride=1)", "relu", "sumpool(2)", "maxpool(3,stride=2,pad=1)", "relu", "flatten", "dense(10)"])
    }
}
