/// One layer run on its own, eagerly, on plain arrays: to check a lecture's exercise by hand
/// (a convolution, a pooling, an activation on a small matrix), or a kind's numbers in a test.
///
/// ```swift
/// let conv = try LayerFunction("conv(1,3,stride=2)")
/// let y = try conv.forward(x, shape: [1, 5, 5], parameters: [w, b])   // y.shape == [1, 2, 2]
/// ```
///
/// Shapes: `[C, H, W]` (one image), `[N, C, H, W]` (a batch), `[F]` or `[N, F]` (flat
/// features, for `dense` and the like). The output has the same form: `[C′, H′, W′]` or
/// `[N, C′, H′, W′]`, or `[F′]` / `[N, F′]` once values are flat. Parameters are given one
/// array per tensor, in the order and shapes of `Layer.parameterShapes` (a convolution's
/// `weight [C_out, C_in, K, K]`, then `bias [C_out]`); state likewise, or left to its initial
/// values.
public struct LayerFunction: Sendable {
    private enum Source: Sendable {
        case specification(LayerSpecification)
        case layer(any Layer)
    }

    private let source: Source
    /// The stream dropout draws from in training mode (`random.child(n)` for sample n).
    public var random = RandomStream(seed: 0, purpose: .dropout, 0)

    /// The layer a one-layer model spec names, e.g. `"maxpool(2,stride=1)"`; built for each
    /// input shape it is called on.
    public init(_ spec: String) throws(LayerFunctionError) {
        let parsed: ModelSpec
        do {
            parsed = try ModelSpec(spec)
        } catch {
            throw LayerFunctionError(error.description)
        }
        guard parsed.layers.count == 1, let only = parsed.layers.first else {
            throw LayerFunctionError("'\(spec)' is \(parsed.layers.count) layers; give exactly one (e.g. 'maxpool(2)')")
        }
        source = .specification(only)
    }

    /// `layer` as it is, on its own input shape.
    public init(_ layer: any Layer) {
        source = .layer(layer)
    }

    /// The layer for inputs of `shape`, and the batch size `shape` holds.
    public func layer(for shape: [Int]) throws(LayerFunctionError) -> (layer: any Layer, batch: Int) {
        let (sample, batch, isImage) = try LayerFunction.sample(of: shape)
        switch source {
        case let .layer(layer):
            guard layer.inputShape == sample else {
                throw LayerFunctionError("the layer takes \(layer.inputShape) per sample, the input is \(shape)")
            }
            return (layer, batch)
        case let .specification(specification):
            do {
                let layer = try specification.kind.make(specification.arguments, input: LayerInput(shape: sample, isImage: isImage))
                try Network.checkSizes(of: layer)
                return (layer, batch)
            } catch {
                throw LayerFunctionError("\(specification): \(error.description)")
            }
        }
    }

    /// `y = layer(x)` for `x` of `shape`; evaluation mode unless `training` (dropout active).
    public func forward(_ x: [Float], shape: [Int], parameters: [[Float]] = [], state: [[Float]]? = nil,
                        training: Bool = false) throws(LayerFunctionError) -> LayerValues {
        let (layer, batch) = try layer(for: shape)
        let run = try Run(layer: layer, batch: batch, x: x, parameters: parameters, state: state, random: random)
        return LayerValues(values: run.forward(training: training), shape: LayerFunction.shape(layer.outputShape, like: shape, batch: batch,
                                                                                                   isImage: run.outputIsImage(shape)))
    }

    /// The gradients of `Σ y · dOutput` (y from the training-mode forward pass) with respect to
    /// x, shaped like x, and to each parameter tensor.
    public func backward(_ x: [Float], shape: [Int], dOutput: [Float], parameters: [[Float]] = [],
                         state: [[Float]]? = nil) throws(LayerFunctionError) -> (dInput: [Float], dParameters: [[Float]]) {
        let (layer, batch) = try layer(for: shape)
        let run = try Run(layer: layer, batch: batch, x: x, parameters: parameters, state: state, random: random)
        guard dOutput.count == batch * layer.outputShape.count else {
            throw LayerFunctionError("dOutput has \(dOutput.count) values; the output has \(batch * layer.outputShape.count)")
        }
        let (dx, dp) = run.backward(dOutput)
        var tensors: [[Float]] = [], offset = 0
        for tensor in layer.parameterShapes {
            tensors.append(Array(dp[offset ..< offset + tensor.count]))
            offset += tensor.count
        }
        return (dx, tensors)
    }

    /// Per-sample shape, batch size and whether it is an image, for an input of `shape`.
    private static func sample(of shape: [Int]) throws(LayerFunctionError) -> (FeatureShape, Int, Bool) {
        guard (1 ... 4).contains(shape.count), shape.allSatisfy({ $0 > 0 }), TensorSize.count(shape) != nil else {
            throw LayerFunctionError("an input shape is [C, H, W], [N, C, H, W], [F] or [N, F] with positive sizes and at most \(TensorSize.limit) values, got \(shape)")
        }
        switch shape.count {
        case 1: return (.flat(shape[0]), 1, false)
        case 2: return (.flat(shape[1]), shape[0], false)
        case 3: return (FeatureShape(channels: shape[0], height: shape[1], width: shape[2]), 1, true)
        default: return (FeatureShape(channels: shape[1], height: shape[2], width: shape[3]), shape[0], true)
        }
    }

    /// The output shape written in the form the input was (with or without the batch axis,
    /// image or flat).
    private static func shape(_ output: FeatureShape, like input: [Int], batch: Int, isImage: Bool) -> [Int] {
        let sample = isImage ? [output.channels, output.height, output.width] : [output.count]
        return input.count == 2 || input.count == 4 ? [batch] + sample : sample
    }

    /// One layer with its values and buffers, for one call.
    private struct Run {
        let layer: any Layer
        let batch: Int
        let x: [Float]
        let parameters: [Float]
        let state: [Float]
        let random: RandomStream

        init(layer: any Layer, batch: Int, x: [Float], parameters: [[Float]], state: [[Float]]?,
             random: RandomStream) throws(LayerFunctionError) {
            guard x.count == batch * layer.inputShape.count else {
                throw LayerFunctionError("the input has \(x.count) values; its shape says \(batch * layer.inputShape.count)")
            }
            self.layer = layer
            self.batch = batch
            self.x = x
            self.random = random
            self.parameters = try Run.flatten(parameters, as: layer.parameterShapes.map { ($0.name, $0.shape) }, what: "parameter")
            if let state {
                self.state = try Run.flatten(state, as: layer.stateShapes.map { ($0.name, $0.shape) }, what: "state")
            } else {
                let initial = AlignedBuffer(count: layer.stateCount)
                initial.withUnsafeMutableBufferPointer { layer.initializeState($0) }
                self.state = initial.array
            }
        }

        /// `tensors` laid end to end, each checked against its declared shape.
        private static func flatten(_ tensors: [[Float]], as shapes: [(name: String, shape: [Int])], what: String) throws(LayerFunctionError) -> [Float] {
            let expected = shapes.map { "\($0.name) \($0.shape)" }.joined(separator: ", ")
            guard tensors.count == shapes.count else {
                throw LayerFunctionError("the layer has \(shapes.count) \(what) tensor\(shapes.count == 1 ? "" : "s")\(shapes.isEmpty ? "" : " (\(expected))"), got \(tensors.count)")
            }
            for (tensor, declared) in zip(tensors, shapes) where tensor.count != declared.shape.reduce(1, *) {
                throw LayerFunctionError("\(what) \(declared.name) \(declared.shape) holds \(declared.shape.reduce(1, *)) values, got \(tensor.count)")
            }
            return tensors.flatMap { $0 }
        }

        func outputIsImage(_ shape: [Int]) -> Bool { layer.outputIsImage(inputIsImage: shape.count >= 3) }

        /// The training- or evaluation-mode output.
        func forward(training: Bool) -> [Float] {
            let buffers = Buffers(self)
            return buffers.run { b in layer.forward(b.forward(training)) }.output.array
        }

        /// The input and parameter gradients of `Σ y · dy`, after a training-mode forward pass.
        func backward(_ dy: [Float]) -> (dx: [Float], dp: [Float]) {
            let buffers = Buffers(self)
            buffers.dOutput.assign(dy)
            buffers.run { b in
                layer.forward(b.forward(true))
                layer.backward(b.backward)
            }
            return (buffers.dInput.array, buffers.dParameters.array)
        }
    }

    /// Aligned copies of a run's values and every buffer its layer asks for.
    private final class Buffers {
        let input, parameters, state, output, cache, scratch, gemm, dOutput, dInput, dParameters: AlignedBuffer
        let layer: any Layer, batch: Int, random: RandomStream, packed: Int

        init(_ run: Run) {
            layer = run.layer
            batch = run.batch
            random = run.random
            packed = layer.packedACount(batch: batch)
            input = AlignedBuffer(count: run.x.count)
            parameters = AlignedBuffer(count: run.parameters.count)
            state = AlignedBuffer(count: run.state.count)
            output = AlignedBuffer(count: batch * layer.outputShape.count)
            cache = AlignedBuffer(count: layer.cacheCount(batch: batch))
            scratch = AlignedBuffer(count: layer.scratchCount(batch: batch))
            gemm = AlignedBuffer(count: GEMMWorkspace.count(packedACount: packed))
            dOutput = AlignedBuffer(count: output.count)
            dInput = AlignedBuffer(count: input.count)
            dParameters = AlignedBuffer(count: parameters.count)
            input.assign(run.x)
            parameters.assign(run.parameters)
            state.assign(run.state)
            // What a pass overwrites starts as NaN, so that a value it fails to write shows.
            for written in [output, dInput, dParameters] { written.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) } }
        }

        /// The passes' pointers into the buffers, valid during `run`'s body.
        struct Pointers {
            let forward: (_ training: Bool) -> LayerForward
            let backward: LayerBackward
        }

        @discardableResult
        func run(_ body: (Pointers) -> Void) -> Buffers {
            AlignedBuffer.withBaseAddresses([input, parameters, state, output, cache, scratch, gemm, dOutput, dInput, dParameters]) { p in
                let gemm = GEMMWorkspace(memory: p[6].pointer, packedACapacity: packed)
                let (batch, random) = (batch, random)
                let forward = { (training: Bool) in
                    LayerForward(input: p[0].pointer, output: p[3].pointer, batch: batch, parameters: p[1].pointer, state: p[2].pointer,
                                 cache: p[4].pointer, scratch: p[5].pointer, gemm: gemm, training: training, random: random, firstPosition: 0)
                }
                body(Pointers(forward: forward,
                              backward: LayerBackward(input: p[0].pointer, output: p[3].pointer, dOutput: p[7].pointer, dInput: p[8].pointer,
                                                      batch: batch, parameters: p[1].pointer, state: p[2].pointer, dParameters: p[9].pointer,
                                                      cache: p[4].pointer, scratch: p[5].pointer, gemm: gemm)))
            }
            return self
        }
    }
}

/// Values and their shape, as `LayerFunction` returns them.
public struct LayerValues: Hashable, Sendable {
    /// In row-major order of `shape`.
    public let values: [Float]
    public let shape: [Int]
}

/// Why `LayerFunction` cannot run: the sentence that says so.
public struct LayerFunctionError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
