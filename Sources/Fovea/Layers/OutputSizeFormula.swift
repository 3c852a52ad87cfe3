/// How `fovea apply` explains the output size of a layer that slides a window, with the numbers
/// filled in: `H = W: ⌊(5 + 2·1 − 3) / 2⌋ + 1 = 3`.
public enum OutputSizeFormula {
    /// The formula `⌊(n + 2·pad − K) / stride⌋ + 1` per axis (once when height and width agree).
    public static func slidingWindow(input: FeatureShape, output: FeatureShape, kernel: Int, stride: Int, padding: Int) -> String {
        func axis(_ n: Int, _ result: Int) -> String { "⌊(\(n) + 2·\(padding) − \(kernel)) / \(stride)⌋ + 1 = \(result)" }
        if input.height == input.width && output.height == output.width { return "H = W: " + axis(input.height, output.height) }
        return "H: " + axis(input.height, output.height) + "; W: " + axis(input.width, output.width)
    }
}
