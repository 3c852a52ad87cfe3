import ArgumentParser
import Fovea

/// `fovea apply`: one layer on a small matrix, as a lecture computes it by hand; prints the
/// output per channel, the output-size formula with its numbers and the parameters used.
public struct ApplyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run one layer on a small matrix and print its output, to check an exercise by hand.",
        discussion: """
        Values are separated by spaces or commas, rows by ';' and channels by '|':
          fovea apply "maxpool(2,stride=1)" --input "1 2 3; 4 5 6; 7 8 9"
          fovea apply "conv(1,2)" --input "1 2 3; 4 5 6; 7 8 9" --weights "1 0; 0 -1 | 0.5"
        --weights lists every parameter in storage order (a convolution's weight [C_out, C_in, K, K],
        then its bias [C_out]); without it, they are drawn as training would start them (--seed).
        A one-row input also reads as flat features, for dense layers.
        """
    )

    @Argument(help: "One layer, as in a model spec, e.g. 'conv(1,3,stride=2)' or 'avgpool(2,pad=1)'.")
    var layer: String

    @Option(help: "The input: values, rows separated by ';', channels by '|'.")
    var input: String

    @Option(help: "The layer's parameters in storage order (separators as in --input, for reading only).")
    var weights: String?

    @Option(help: "The gradient of the loss with respect to the output, shaped like it: prints the input and parameter gradients (backward pass).")
    var outputGradient: String?

    @Flag(help: "Training mode (dropout active).")
    var training = false

    @Option(help: "Seed of the parameters drawn when --weights is not given. (default: 1)")
    var seed: UInt64 = 1

    public init() {}

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            for line in try lines() { console.line(line) }
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// What `run` prints.
    func lines() throws -> [String] {
        let function = try LayerFunction(layer)
        let parsed: (values: [Float], shape: [Int])
        do {
            parsed = try MatrixText.parse(input)
        } catch {
            throw CommandFailure(description: "--input: \(error)")
        }
        var shape = parsed.shape
        let built: any Layer
        do {
            built = try function.layer(for: shape).layer
        } catch {
            // A single row may be meant as flat features (for a dense layer).
            guard shape[0] == 1, shape[1] == 1, let flat = try? function.layer(for: [shape[2]]) else { throw error }
            built = flat.layer
            shape = [shape[2]]
        }
        try ApplyCommand.requireHandSized(built, batch: shape.count == 4 ? shape[0] : 1)
        let parameters = try parameterTensors(of: built)
        var lines = ["layer: \(built.specification) on \(built.inputShape) → \(built.outputShape)"]
        if let formula = built.outputSizeFormula { lines.append("output size: \(formula)") }
        lines.append("parameters: \(built.parameterCount)" + (weights == nil && built.parameterCount > 0 ? " (drawn with seed \(seed))" : ""))
        for (tensor, values) in zip(built.parameterShapes, parameters) {
            lines.append("\(tensor.name) \(tensor.shape):")
            lines += ApplyCommand.matrixLines(values, shape: tensor.shape)
        }
        let output = try function.forward(parsed.values, shape: shape, parameters: parameters, training: training)
        lines.append("output \(output.shape):")
        lines += ApplyCommand.matrixLines(output.values, shape: output.shape)
        if let outputGradient {
            let dy: [Float]
            do {
                dy = try MatrixText.numbers(outputGradient)
            } catch {
                throw CommandFailure(description: "--output-gradient: \(error)")
            }
            guard dy.count == output.values.count else {
                throw CommandFailure(description: "--output-gradient: \(dy.count) values; the output \(output.shape) has \(output.values.count)")
            }
            let (dx, dp) = try function.backward(parsed.values, shape: shape, dOutput: dy, parameters: parameters)
            lines.append("input gradient \(shape):")
            lines += ApplyCommand.matrixLines(dx, shape: shape)
            for (tensor, values) in zip(built.parameterShapes, dp) {
                lines.append("\(tensor.name) gradient \(tensor.shape):")
                lines += ApplyCommand.matrixLines(values, shape: tensor.shape)
            }
        }
        return lines
    }

    /// The most values `apply` prints (parameters and output) and the most multiply-adds it
    /// runs: a matrix a lecture computes by hand is far below both, and an absurd layer (an
    /// 8367 × 8367 kernel padded by 8316) is refused at once instead of computing for hours.
    static let printedValueLimit = 1_000_000, multiplyAddLimit = 1_000_000_000

    /// Throws, naming the layer and the figures, when `layer` on `batch` samples is not a
    /// hand-sized exercise (`printedValueLimit`, `multiplyAddLimit`).
    static func requireHandSized(_ layer: any Layer, batch: Int) throws {
        // In Double: no input can overflow the products.
        let printed = Double(layer.parameterCount) + Double(batch) * Double(layer.outputShape.count)
        let work = Double(batch) * Double(layer.multiplyAccumulates)
        guard printed > Double(printedValueLimit) || work > Double(multiplyAddLimit) else { return }
        throw CommandFailure(description: "\(layer.specification) on \(layer.inputShape): \(layer.parameterCount) parameters and "
            + "\(batch * layer.outputShape.count) output values to print, \(Int(work)) multiply-adds; apply is for matrices "
            + "worked by hand (at most \(printedValueLimit) values and \(multiplyAddLimit) multiply-adds): use a smaller "
            + "kernel, padding or input (fovea summary shows the shapes of any network)")
    }

    /// The parameters from --weights, cut into the layer's tensors, or drawn as training starts
    /// them (gain 1).
    private func parameterTensors(of layer: any Layer) throws -> [[Float]] {
        let shapes = layer.parameterShapes
        let expected = shapes.map { "\($0.name) \($0.shape)" }.joined(separator: " then ")
        var values: [Float]
        if let weights {
            do {
                values = try MatrixText.numbers(weights)
            } catch {
                throw CommandFailure(description: "--weights: \(error)")
            }
            guard values.count == layer.parameterCount else {
                throw CommandFailure(description: "--weights: \(layer.specification) has \(layer.parameterCount) parameters\(shapes.isEmpty ? "" : " (\(expected))"), got \(values.count)")
            }
        } else {
            let drawn = AlignedBuffer(count: layer.parameterCount)
            drawn.withUnsafeMutableBufferPointer {
                layer.initializeParameters($0, stream: RandomStream(seed: seed, purpose: .initialization, 0), gain: 1)
            }
            values = drawn.array
        }
        var offset = 0
        return shapes.map { tensor in
            defer { offset += tensor.count }
            return Array(values[offset ..< offset + tensor.count])
        }
    }

    /// A tensor printed as matrices: its last two axes as rows and columns, one block per index
    /// of the axes before them (`[0, 1]:` for a convolution's filter 0, input channel 1).
    static func matrixLines(_ values: [Float], shape: [Int]) -> [String] {
        let height = shape.count >= 2 ? shape[shape.count - 2] : 1, width = shape.last ?? 1
        let blocks = shape.dropLast(2).reduce(1, *)
        guard blocks > 1 else { return MatrixText.lines(values[...], height: height, width: width).map { "  " + $0 } }
        var lines: [String] = []
        let leading = Array(shape.dropLast(2))
        for block in 0 ..< blocks {
            var index: [Int] = [], rest = block
            for size in leading.reversed() {
                index.insert(rest % size, at: 0)
                rest /= size
            }
            lines.append("  \(index):")
            let start = block * height * width
            lines += MatrixText.lines(values[start ..< start + height * width], height: height, width: width).map { "    " + $0 }
        }
        return lines
    }
}
