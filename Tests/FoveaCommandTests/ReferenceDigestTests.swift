import Foundation
import FoveaCommands
import Testing

/// The weights reference runs end with, recorded before a change and asserted after it: a
/// refactoring of the training path, or a faster kernel that computes the same chains of
/// operations, must not change one bit of what `fovea train` computes. The first two were
/// recorded before the redesign that made layers, losses and optimizers describe themselves
/// (issue 10), the autoencoder, vgg-bn and zoo ones with the binary of commit b6ef1f3 (on an AMD
/// EPYC Zen 5, the same `-target-cpu native` build).
///
/// The first two digests were measured with the `fovea` binary of commit 4d5238c on an AVX-512 machine
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

    /// `fovea train --model autoencoder --loss mse --epochs 1 --limit 2000 --seed 3`: the im2col
    /// convolution's GEMM paths (the stride-2 layers of 32 and 64 channels) and its few-taps
    /// paths (the one-channel first layer and the last transposed layer), both directions.
    /// The digest is that of the binary from before the few-taps paths (same bits).
    @Test func autoencoder() throws {
        let digest = try run(["--model", "autoencoder", "--loss", "mse", "--epochs", "1", "--limit", "2000", "--seed", "3"])
        #expect(digest == "41399ae5747bde0882ef1fb1091380b776f9a04c644cd96be499b8f8551fb824")
    }

    /// `fovea train --model vgg-bn --epochs 1 --limit 1000 --seed 4` and the same with `zoo`:
    /// batch normalization, Winograd and dense layers through the in-place GEMM, depthwise and
    /// dilated convolutions. Digests of the binary from before GEMM.multiplyInPlace became
    /// GEMM.multiply(inPlaceA:) (same bits).
    @Test(arguments: [("vgg-bn", "aabff8bcf95db87fca1c4b1c5e3e453a3af45a56a5390f8eb324b895631ead60"),
                      ("zoo", "c4f19b619a846bff44498ddfd61b5be728ebcf4427133e4928c416ecfcf96a7c")])
    func layerVocabulary(_ preset: (String, String)) throws {
        let (model, expected) = preset
        let digest = try run(["--model", model, "--epochs", "1", "--limit", "1000", "--seed", "4"])
        #expect(digest == expected)
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
