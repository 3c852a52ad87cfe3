import Foundation
import FoveaCommands
import Testing

/// The weights two reference runs end with, recorded before the redesign that made layers,
/// losses and optimizers describe themselves (issue 10) and asserted after it: a refactoring
/// of the training path must not change one bit of what `fovea train` computes.
///
/// The digests were measured with the `fovea` binary of commit 4d5238c on an AVX-512 machine
/// (`-target-cpu native`, see Package.swift). A change that is meant to alter the numbers (a new
/// kernel that rounds differently, a new default) updates them in the same commit and says why.
@Suite struct ReferenceDigestTests {
    /// `fovea train --seed 1`: the default run (mnist-fast, 3 epochs, all of MNIST).
    @Test func defaultRun() throws {
        let digest = try run(["--seed", "1"])
        #expect(digest == "237d0fd0216269ce0a39dd6f168b7b7dbc0b7f53b84205e7070d54ccb690632d")
    }

    /// `fovea train --model mnist-cnn --epochs 1 --limit 6000 --seed 2`: Winograd convolutions,
    /// dropout and a large dense layer.
    @Test func mnistCNN() throws {
        let digest = try run(["--model", "mnist-cnn", "--epochs", "1", "--limit", "6000", "--seed", "2"])
        #expect(digest == "1b901a6fb5aac679e59ec85f2af9d8f37800f0a95bb7fee04dbc04cedd595be6")
    }

    /// Trains on the repository's MNIST with `arguments`, returns `weights_sha256` of `last.fovea`.
    private func run(_ arguments: [String]) throws -> String {
        let runDirectory = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let command = try TrainCommand.parse(["--data", mnistDirectory, "--run-dir", runDirectory.path, "--json"] + arguments)
        try command.run(console: CapturingConsole())
        return try CommandFixtures.weights(runDirectory.appendingPathComponent("last.fovea").path)
    }
}
