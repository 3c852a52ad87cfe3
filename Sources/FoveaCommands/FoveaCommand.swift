import ArgumentParser
import Fovea

/// `fovea`: the root command.
public struct FoveaCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Train and evaluate convolutional networks on MNIST-style data, on every CPU core.",
        version: FoveaVersion.current,
        subcommands: [TrainCommand.self, EvalCommand.self, InspectCommand.self, SummaryCommand.self, ApplyCommand.self, BenchCommand.self,
                      AugmentPreviewCommand.self, PredictCommand.self, PlotCommand.self, LRFindCommand.self, MakeDatasetCommand.self],
        defaultSubcommand: nil
    )

    public init() {}
}
