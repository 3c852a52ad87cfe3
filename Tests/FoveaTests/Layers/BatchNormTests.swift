import Testing
import Fovea

/// Batch normalization: numbers by hand, gradients by central differences, the running
/// statistics of evaluation, and training on the statistics of the whole batch (all shards).
@Suite struct BatchNormTests {
    /// Two samples of one channel of two values: 1, 3 | 5, 7. Mean 4, variance (9 + 1 + 1 + 9) / 4
    /// = 5, so y = (x − 4) / √5 = ∓3/√5, ∓1/√5 (ε = 1e−5 moves the sixth digit).
    @Test func byHand() throws {
        let y = try LayerFunction("batchnorm").forward([1, 3, 5, 7], shape: [2, 1, 1, 2], parameters: [[1], [0]], training: true)
        expectClose(y.values, [-1.341639, -0.447213, 0.447213, 1.341639], atol: 1e-5, rtol: 0, "batchnorm")
        // γ = 2, β = 1: y = 2 · x̂ + 1.
        let scaled = try LayerFunction("batchnorm").forward([1, 3, 5, 7], shape: [2, 1, 1, 2], parameters: [[2], [1]], training: true)
        expectClose(scaled.values, [-1.683278, 0.105573, 1.894427, 3.683278], atol: 1e-5, rtol: 0, "batchnorm γ β")
        // Flat features: per feature over the batch. Feature 0: 1, 3 → ∓1; feature 1: 10, 10 → 0.
        let flat = try LayerFunction("batchnorm").forward([1, 10, 3, 10], shape: [2, 2], parameters: [[1, 1], [0, 0]], training: true)
        expectClose(flat.values, [-1, 0, 1, 0], atol: 1e-4, rtol: 0, "batchnorm flat")
    }

    /// Evaluation normalises with the running statistics: (x − 2) / √(4 + ε).
    @Test func evaluationUsesRunningStatistics() throws {
        let y = try LayerFunction("batchnorm").forward([0, 2, 4, 6], shape: [1, 1, 2, 2], parameters: [[1], [0]], state: [[2], [4]])
        expectClose(y.values, [-1, 0, 1, 2], atol: 1e-5, rtol: 0, "batchnorm evaluation")
    }

    /// Central differences of Σ y · r, through the batch statistics, on odd shapes: planes of
    /// 35 values (vector path with a tail), flat features (`FlatFeatures`: 3, and 37, more than
    /// a vector's lanes and not a multiple of them) and planes of 3 values (value by value).
    @Test(arguments: [[2, 3, 5, 7], [5, 3], [3, 37], [3, 2, 1, 3]])
    func gradientCheck(shape: [Int]) throws {
        let (layer, batch) = try LayerFunction("batchnorm").layer(for: shape)
        let count = shape.reduce(1, *)
        let parameters = testValues(2 * layer.inputShape.channels, seed: 31).map { $0 + 1 }
        GradientCheckTests().check(layer, batch: batch, x: testValues(count, seed: 30).map { $0 * 2 + 0.5 }, parameters: parameters,
                                   "batchnorm \(shape)")
    }

    /// One step on a batch of 120 images cut into 4 shards: the running statistics move by 0.1
    /// towards the mean and the unbiased variance of all 120 · 144 pixels, not of any shard.
    @Test func trainsOnTheWholeBatch() throws {
        let data = try Fixtures.syntheticSet(count: 120)
        let network = try Network(spec: ModelSpec("batchnorm flatten dense(4)"), inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(mean: 0, std: 1), seed: 1)
        let options = TrainingOptions(epochs: 1, batchSize: 120, optimizer: SGD(learningRate: 0.01, momentum: 0),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 1)
        #expect(Trainer.shardCount(batch: 120) == 4)
        _ = try Trainer(model: model, options: options, train: data, test: nil, validation: nil, threads: 2).trainEpoch()
        var sum = 0.0, squares = 0.0, count = 0.0
        for (value, occurrences) in data.pixelHistogram().enumerated() {
            let x = Double(value) / 255
            sum += x * Double(occurrences)
            squares += x * x * Double(occurrences)
            count += Double(occurrences)
        }
        let mean = sum / count, unbiased = (squares - count * mean * mean) / (count - 1)
        let state = model.state.array
        #expect(abs(Double(state[0]) - 0.1 * mean) < 1e-6 * mean)
        #expect(abs(Double(state[1]) - (0.9 + 0.1 * unbiased)) < 1e-6)
    }

    /// A network with batch normalization trains to the same losses and weights (running
    /// statistics included) with 1, 2 or 3 threads, and the same again from a checkpoint.
    @Test func identicalForAnyThreadCount() throws {
        let data = try Fixtures.syntheticSet(count: 150)
        func train(threads: Int) throws -> ([Float], [Float], [Double]) {
            let network = try Network(spec: ModelSpec("conv(6,3,pad=1) batchnorm relu maxpool(2) flatten dense(16) batchnorm relu dense(4)"),
                                      inputShape: data.sampleShape, classes: 4)
            let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 2)
            let options = TrainingOptions(epochs: 2, batchSize: 50, optimizer: SGD(learningRate: 0.05, momentum: 0.9),
                                          schedule: LearningRateSchedule(kind: .constant), seed: 2)
            let trainer = Trainer(model: model, options: options, train: data.prefix(120), test: data.suffix(30), validation: nil, threads: threads)
            var losses: [Double] = []
            for _ in 0 ..< 2 { losses.append(try trainer.trainEpoch().test?.loss ?? .nan) }
            return (model.parameters.array, model.state.array, losses)
        }
        let reference = try train(threads: 1)
        #expect(reference.1.contains { $0 != 0 && $0 != 1 })
        for threads in [2, 3] {
            let other = try train(threads: threads)
            #expect(other.0 == reference.0 && other.1 == reference.1 && other.2 == reference.2, "threads \(threads)")
        }
    }

    /// One SGD step (momentum 0) on a batch of 120 cut into 4 shards moves every parameter by
    /// −lr times the gradient of the whole batch, computed here layer by layer with
    /// `LayerFunction` on the batch as one piece: batch normalization's statistics and its sums
    /// backward (which the convolution's gradient goes through) are the whole batch's.
    @Test func shardedStepIsTheWholeBatchGradient() throws {
        let data = try Fixtures.syntheticSet(count: 120)
        let spec = try ModelSpec("conv(2,3) batchnorm relu flatten dense(4)")
        let network = try Network(spec: spec, inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(mean: 0, std: 1), seed: 3)
        let before = model.parameters.array
        let learningRate: Float = 0.5
        let options = TrainingOptions(epochs: 1, batchSize: 120, optimizer: SGD(learningRate: Double(learningRate), momentum: 0),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 3)
        _ = try Trainer(model: model, options: options, train: data, test: nil, validation: nil, threads: 2).trainEpoch()
        let step = zip(model.parameters.array, before).map { ($1 - $0) / learningRate }

        // The same gradient, the batch as one piece.
        let images = data.withPixels { $0.map { Float($0) / 255 } }
        let labels = (0 ..< 120).map { data.label($0) }
        var activations: [(x: [Float], shape: [Int])] = [(images, [120, 1, 12, 12])]
        let tensors = network.layers.indices.map { l in
            network.layers[l].parameterShapes.reduce(into: [[Float]]()) { list, tensor in
                let start = network.parameterOffsets[l] + list.reduce(0) { $0 + $1.count }
                list.append(Array(before[start ..< start + tensor.count]))
            }
        }
        for (l, layer) in network.layers.enumerated() {
            let (x, shape) = activations[l]
            let y = try LayerFunction(layer).forward(x, shape: shape.count == 2 ? [shape[0], shape[1], 1, 1] : shape,
                                                     parameters: tensors[l], training: true)
            activations.append((y.values, y.shape))
        }
        var dy = [Float](repeating: 0, count: 120 * 4)
        activations.last!.x.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                dy.withUnsafeMutableBufferPointer { d in
                    _ = SoftmaxCrossEntropy.evaluate(output: z.baseAddress!, outputCount: 4,
                                                     targets: LossTargets(labels: l.baseAddress!, images: z.baseAddress!, sampleSize: 4),
                                                     batch: 120, dOutput: d.baseAddress!, gradientScale: 1 / 120)
                }
            }
        }
        var gradient = [Float](repeating: 0, count: before.count)
        for (l, layer) in network.layers.enumerated().reversed() {
            let (x, shape) = activations[l]
            let (dx, dp) = try LayerFunction(layer).backward(x, shape: shape.count == 2 ? [shape[0], shape[1], 1, 1] : shape,
                                                             dOutput: dy, parameters: tensors[l])
            let flat = dp.flatMap { $0 }
            for i in flat.indices { gradient[network.parameterOffsets[l] + i] = flat[i] }
            dy = dx
        }
        expectClose(step, gradient, atol: 2e-5, rtol: 1e-3, "whole-batch gradient")
    }
}
