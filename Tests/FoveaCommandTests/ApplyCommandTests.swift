import Fovea
import FoveaCommands
import Testing

/// `fovea apply`: a lecture's exercise checked in the terminal.
@Suite struct ApplyCommandTests {
    private func run(_ arguments: [String]) throws -> [String] {
        let console = CapturingConsole()
        try ApplyCommand.parse(arguments).run(console: console)
        return console.output.split(separator: "\n").map(String.init)
    }

    private func error(_ arguments: [String]) -> String {
        let console = CapturingConsole()
        #expect(throws: (any Error).self) { try ApplyCommand.parse(arguments).run(console: console) }
        #expect(console.errors.count == 1)
        return console.errors.first ?? ""
    }

    /// A 2 × 2 kernel on a 3 × 3 image, forward and backward, every number checkable by hand:
    /// y = x[0,0] − x[1,1] + 0.5 at each position; dx routes dy = (1, 0, 0, 1) through the
    /// kernel; dW is Σ dy · window, db = Σ dy.
    @Test func convolutionByHand() throws {
        #expect(try run(["conv(1,2)", "--input", "1 2 3; 4 5 6; 7 8 9", "--weights", "1 0; 0 -1 | 0.5",
                         "--output-gradient", "1 0; 0 1"]) == [
            "layer: conv(1,2) on [1, 3, 3] → [1, 2, 2]",
            "output size: H = W: ⌊(3 + 2·0 − 2) / 1⌋ + 1 = 2",
            "parameters: 5",
            "weight [1, 1, 2, 2]:",
            "   1   0",
            "   0  -1",
            "bias [1]:",
            "  0.5",
            "output [1, 2, 2]:",
            "  -3.5  -3.5",
            "  -3.5  -3.5",
            "input gradient [1, 3, 3]:",
            "   1   0   0",
            "   0   0   0",
            "   0   0  -1",
            "weight gradient [1, 1, 2, 2]:",
            "   6   8",
            "  12  14",
            "bias gradient [1]:",
            "  2",
        ])
    }

    /// Two channels pooled separately, with padding.
    @Test func poolingTwoChannels() throws {
        #expect(try run(["avgpool(2,pad=1)", "--input", "1 2; 3 4 | 8, 8; 8, 8"]) == [
            "layer: avgpool(2,pad=1) on [2, 2, 2] → [2, 2, 2]",
            "output size: H = W: ⌊(2 + 2·1 − 2) / 2⌋ + 1 = 2",
            "parameters: 0",
            "output [2, 2, 2]:",
            "  [0]:",
            "    0.25   0.5",
            "    0.75     1",
            "  [1]:",
            "    2  2",
            "    2  2",
        ])
    }

    /// A one-row input reads as flat features for a dense layer; drawn parameters are printed.
    @Test func denseOnFlatFeatures() throws {
        let lines = try run(["dense(2)", "--input", "1 2 3", "--seed", "3"])
        #expect(lines[0] == "layer: dense(2) on [3] → [2]")
        #expect(lines[1] == "parameters: 8 (drawn with seed 3)")
        #expect(lines.contains("output [2]:"))
    }

    @Test(arguments: [
        (["avgpool(2)", "--input", "1 2; 3 x"], "fovea: --input: character 7: 'x' is not a finite number"),
        (["avgpool(2)", "--input", "1 2; 3"], "fovea: --input: character 6: a row of 1 value; the first row has 2"),
        (["avgpool(2)", "--input", "1 2; 3 4 | 5 6"], "fovea: --input: character 14: a channel of 1 row; the first channel has 2"),
        (["avgpool(2)", "--input", "1 2;; 3 4"], "fovea: --input: character 4: an empty row"),
        (["avgpool(2)", "--input", "1 2; 3 nan"], "fovea: --input: character 7: 'nan' is not a finite number"),
        (["conv(1,2)", "--input", "1 2; 3 4", "--weights", "1 2 3"],
         "fovea: --weights: conv(1,2) has 5 parameters (weight [1, 1, 2, 2] then bias [1]), got 3"),
        (["maxpool(3)", "--input", "1 2; 3 4"], "fovea: maxpool(3): a 3×3 window does not fit the input [1, 2, 2]"),
        (["relu relu", "--input", "1"], "fovea: 'relu relu' is 2 layers; give exactly one (e.g. 'maxpool(2)')"),
        (["maxpool(2)", "--input", "1 2; 3 4", "--output-gradient", "1 2"],
         "fovea: --output-gradient: 2 values; the output [1, 1, 1] has 1"),
        // Absurd sizes are refused before anything is allocated or computed (this one used to
        // run for hours, at 1.2 GB).
        (["dwconv(8367,pad=8316)", "--input", "1 2; 3 4"],
         "fovea: dwconv(8367,pad=8316) on [1, 2, 2]: 70006690 parameters and 68359824 output values to print, "
            + "4785644938862736 multiply-adds; apply is for matrices worked by hand (at most 1000000 values and "
            + "1000000000 multiply-adds): use a smaller kernel, padding or input (fovea summary shows the shapes of any network)"),
        (["conv(8,3,pad=600)", "--input", "1"],
         "fovea: conv(8,3,pad=600) on [1]: 80 parameters and 11500808 output values to print, 103507272 multiply-adds; "
            + "apply is for matrices worked by hand (at most 1000000 values and 1000000000 multiply-adds): use a smaller kernel, "
            + "padding or input (fovea summary shows the shapes of any network)"),
    ])
    func badInput(arguments: [String], message: String) {
        #expect(error(arguments) == message)
    }
}
