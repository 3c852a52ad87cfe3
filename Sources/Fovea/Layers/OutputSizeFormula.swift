/// How `fovea apply` explains the output size of a layer that slides a window, with the numbers
/// filled in: `H = W: ⌊(5 + 2·1 − 3) / 2⌋ + 1 = 3`.
public enum OutputSizeFormula {
    /// The formula `⌊(n + 2·pad − K) / stride⌋ + 1` per axis (once when height and width agree).
    public static func slidingWindow(input: FeatureShape, output: FeatureShape, kernel: Int, stride: Int, padding: Int) -> String {
        func axis(_ n: Int, _ result: Int) -> String { "⌊(\(n) + 2·\(padding) − \(kernel)) / \(stride)⌋ + 1 = \(result)" }
        if input.height == input.width && output.height == output.width { return "H = W: " + axis(input.height, output.height) }
        return "H: " + axis(input.height, output.height) + "; W: " + axis(input.width, output.width)
    }

    /// A convolution's: `⌊(n + top + bottom − D·(K − 1) − 1) / S⌋ + 1`, written as the sliding
    /// window's formula where the padding is symmetric and the taps adjacent.
    public static func convolution(_ g: ConvolutionGeometry) -> String {
        let input = FeatureShape(channels: g.inputChannels, height: g.height, width: g.width)
        if g.hasSymmetricPadding && g.dilation == 1 {
            return slidingWindow(input: input, output: g.outputShape, kernel: g.kernelHeight, stride: g.stride, padding: g.padding)
        }
        func axis(_ n: Int, _ before: Int, _ after: Int, _ kernel: Int, _ result: Int) -> String {
            "⌊(\(n) + \(before) + \(after) − \(g.dilation)·(\(kernel) − 1) − 1) / \(g.stride)⌋ + 1 = \(result)"
        }
        let height = axis(g.height, g.paddingTop, g.paddingBottom, g.kernelHeight, g.outputHeight)
        let width = axis(g.width, g.paddingLeft, g.paddingRight, g.kernelWidth, g.outputWidth)
        return height == width ? "H = W: " + height : "H: " + height + "; W: " + width
    }
}
