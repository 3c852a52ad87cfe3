import Foundation
import Fovea
import FoveaCommands
import Testing

/// A kind with two running values per feature, for the summary's non-trainable column (none of
/// Fovea's kinds has state yet). Forward is the identity.
private struct RunningStatistics: RegisteredLayer {
    static let token = "runningstats"
    static let identifier = "stats"
    static let meaning = "the identity, keeping a running mean and variance"
    let shape: FeatureShape

    static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> RunningStatistics {
        RunningStatistics(shape: input.shape)
    }

    var inputShape: FeatureShape { shape }
    var outputShape: FeatureShape { shape }
    var stateShapes: [StateShape] {
        [StateShape(name: "running_mean", shape: [shape.channels], initialValue: 0),
         StateShape(name: "running_var", shape: [shape.channels], initialValue: 1)]
    }
    func forward(_ pass: LayerForward) { pass.output.update(from: pass.input, count: pass.batch * shape.count) }
    func backward(_ pass: LayerBackward) { pass.dInput?.update(from: pass.dOutput, count: pass.batch * shape.count) }
}

@Suite struct SummaryCommandTests {
    @Test func lenetSmall() throws {
        let console = CapturingConsole()
        try SummaryCommand.parse(["--model", "lenet-small"]).run(console: console)
        #expect(console.output.split(separator: "\n").map(String.init) == [
            "model: conv(8,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(10)",
            "#   layer            output        parameters",
            "    input            [1, 28, 28]             ",
            "1   conv(8,5,pad=2)  [8, 28, 28]          208",
            "2   relu             [8, 28, 28]             ",
            "3   maxpool(2)       [8, 14, 14]             ",
            "4   conv(16,5)       [16, 10, 10]       3,216",
            "5   relu             [16, 10, 10]            ",
            "6   maxpool(2)       [16, 5, 5]              ",
            "7   flatten          [400]                   ",
            "8   dense(120)       [120]             48,120",
            "9   relu             [120]                   ",
            "10  dense(84)        [84]              10,164",
            "11  relu             [84]                    ",
            "12  dense(10)        [10]                 850",
            "total: 62,558 parameters (0.24 MiB as float32); 0.54 M multiply-adds per sample forward",
            "trainable: 62,558; non-trainable: 0 (layer state: kept in checkpoints, never trained)",
            "output [10] fits --loss ce (target: the class labels)",
        ])
    }

    /// The last line says which losses and targets the output fits: an autoencoder's image the
    /// reconstruction losses against the input, one value bce or a regression, a feature map none.
    @Test(arguments: [
        ("autoencoder", "output [1, 28, 28] fits --loss mse or l1 (target: the clean input image, normalised as the network sees it)"),
        ("gausnet", "output [1] fits --loss bce or mse or l1 (target: the class labels)"),
        ("conv(2,3)", "output [2, 26, 26] fits no loss as it is (a classifier ends in dense(classes), a binary one in dense(1), an autoencoder in the input's shape [1, 28, 28])"),
    ])
    func whichLossesTheOutputFits(model: String, line: String) throws {
        let console = CapturingConsole()
        try SummaryCommand.parse(["--model", model]).run(console: console)
        #expect(console.output.split(separator: "\n").last.map(String.init) == line)
    }

    /// Layers with state get a non-trainable column, read from their `stateShapes`, and the
    /// total counts both kinds, as Keras does.
    @Test func nonTrainableColumn() throws {
        let layers = try ModelSpec("conv(4,3)").layers + [try LayerSpecification(LayerKind(RunningStatistics.self))]
            + ModelSpec("flatten dense(10)").layers
        let network = try Network(spec: ModelSpec(layers: layers), inputShape: FeatureShape(channels: 1, height: 6, width: 6), classes: 10)
        #expect(SummaryCommand.table(network) == [
            "model: conv(4,3) runningstats flatten dense(10)",
            "#  layer         output     parameters  non-trainable",
            "   input         [1, 6, 6]                           ",
            "1  conv(4,3)     [4, 4, 4]          40               ",
            "2  runningstats  [4, 4, 4]                          8",
            "3  flatten       [64]                                ",
            "4  dense(10)     [10]              650               ",
            "total: 698 parameters (0.00 MiB as float32); 0.00 M multiply-adds per sample forward",
            "trainable: 690; non-trainable: 8 (layer state: kept in checkpoints, never trained)",
        ])
    }

    /// A summary has no loss: a network may end in an image or in one value; --channels and
    /// --size give the input.
    @Test func anyNetworkAnyInput() throws {
        let console = CapturingConsole()
        try SummaryCommand.parse(["--model", "conv(4,3,pad=1) relu conv(3,3,pad=1) sigmoid", "--channels", "3", "--size", "9"]).run(console: console)
        let lines = console.output.split(separator: "\n").map(String.init)
        #expect(lines[2] == "   input            [3, 9, 9]            ")
        #expect(lines[4...5].map { $0.trimmingCharacters(in: .whitespaces) } == ["2  relu             [4, 9, 9]", "3  conv(3,3,pad=1)  [3, 9, 9]         111"])
        let single = CapturingConsole()
        try SummaryCommand.parse(["--model", "conv(6,3,pad=1) relu avgpool(2) conv(4,3,pad=1) relu avgpool(2) flatten dense(50) dense(1)", "--size", "91"]).run(console: single)
        #expect(single.output.contains("9  dense(1)         [1]                  51"))
    }

    @Test(arguments: [(["--size=-5"], "fovea: --size must be from 1 to 1048576, got -5"),
                      (["--channels", "0"], "fovea: --channels must be from 1 to 1048576, got 0")])
    func badFlags(arguments: [String], message: String) {
        let console = CapturingConsole()
        #expect(throws: (any Error).self) { try SummaryCommand.parse(arguments).run(console: console) }
        #expect(console.errors == [message])
    }
}
