// swift-tools-version: 6.0
//
// Fovea: a multithreaded CNN training framework for MNIST-style data.
//
// Build flags — why `-target-cpu native`:
// Fovea's kernels are written with `SIMD16<Float>`. Without a target CPU, Swift compiles for
// baseline x86-64 (SSE2) and lowers every fused multiply-add to a call to `fmaf()`, about 100×
// slower than the AVX-512 code the same source gives with a target CPU. So the library is
// compiled for the CPU of the machine that builds it (`native`), which is what a user who
// trains where they build wants, on x86-64 and arm64 alike. To build a binary for other
// machines, name their CPU instead: `FOVEA_TARGET_CPU=x86-64-v3 swift build -c release`
// (any LLVM CPU name such as `haswell`, `znver3`, `neoverse-n1`), or `FOVEA_TARGET_CPU=generic`
// for no flag at all (correct everywhere, slow). After changing it, run `swift package clean`.
// The results do not depend on the choice of CPU flag beyond float rounding of fused versus
// unfused operations; for bit-exact comparisons use binaries built with the same flag.

import Foundation
import PackageDescription

let targetCPU = ProcessInfo.processInfo.environment["FOVEA_TARGET_CPU"] ?? "native"
let cpuFlags: [SwiftSetting] = targetCPU == "generic" ? [] : [.unsafeFlags(["-target-cpu", targetCPU])]

let package = Package(
    name: "Fovea",
    products: [
        // MARK: - Public API
        .library(name: "Fovea", targets: ["Fovea"]),
        .executable(name: "fovea", targets: ["fovea"]),
    ],
    dependencies: [
        // Command-line parsing for the `fovea` executable only.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 of checkpoint weights and of training data (fingerprints).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // MARK: - Implementation details
        // zlib from the system (zlib1g-dev): inflate for .gz IDX files, deflate for PNG and gzip
        // output, crc32 for checkpoints and PNG chunks.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),

        // libpng from the system (libpng-dev): decodes PNG for `fovea predict` and for the tests
        // that read back the pictures Fovea writes. A decoder of the whole standard (every
        // colour type and bit depth, palettes, interlacing, gamma, 16-bit) is what people's
        // images need; libpng is the reference implementation, maintained and fuzzed for decades,
        // and its simplified API reports errors as return values (no longjmp through Swift).
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        // libjpeg-turbo from the system (libturbojpeg0-dev): decodes the JPEG files phones and
        // scanners produce (baseline, progressive, any subsampling, CMYK). Its TurboJPEG API
        // reports errors as return values, where libjpeg's own API needs setjmp/longjmp.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]
        ),

        // MARK: - Public API
        // The framework: data, layers, kernels, optimizer, trainer.
        .target(
            name: "Fovea",
            dependencies: ["CZlib", "CPNG", "CTurboJPEG", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: cpuFlags,
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        // The command line's commands (`fovea train`, `fovea summary`, …), a library so that the
        // tests can parse and run them in release builds without `@testable`.
        .target(
            name: "FoveaCommands",
            dependencies: [
                "Fovea",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags
        ),
        // The `fovea` executable: only `main`, which decides exit codes.
        .executableTarget(
            name: "fovea",
            dependencies: ["FoveaCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: cpuFlags
        ),

        // MARK: - Unit test bundles
        .testTarget(
            name: "FoveaTests",
            // CTurboJPEG: the JPEG tests encode their files with libjpeg-turbo.
            dependencies: ["Fovea", "CTurboJPEG"],
            // Read through #filePath: the golden checkpoint of format version 1.
            exclude: ["Checkpoint/Resources"],
            swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "FoveaCommandTests",
            dependencies: ["FoveaCommands"],
            swiftSettings: cpuFlags
        ),
    ]
)

// MARK: - Fuzz targets (only with FOVEA_FUZZ=1)
// libFuzzer executables, one per parser of outside input; `scripts/fuzz.sh TARGET SECONDS` builds
// them in their own build folder with `-sanitize=fuzzer,address` and runs one. Without
// FOVEA_FUZZ the package is exactly the one above, so `swift build` and `swift test` never see
// them (each one's `main` runs libFuzzer's driver: Fuzz/Driver).
if ProcessInfo.processInfo.environment["FOVEA_FUZZ"] == "1" {
    let fuzzTargets = ["FuzzIDX", "FuzzIDXGzip", "FuzzCheckpoint", "FuzzCheckpointCRC", "FuzzModelSpec", "FuzzPNG", "FuzzJPEG", "FuzzNetpbm",
                       "FuzzMatrixText", "FuzzMetrics"]
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Driver"))
    for name in fuzzTargets {
        package.targets.append(.executableTarget(
            name: name,
            // FuzzMetrics reads metrics.csv through the commands' reader (`MetricsTable`).
            dependencies: ["Fovea", "CZlib", "FuzzDriver"] + (name == "FuzzMetrics" ? ["FoveaCommands"] : []),
            path: "Fuzz/Targets/\(name)",
            swiftSettings: cpuFlags + [.unsafeFlags(["-parse-as-library"])]
        ))
    }
}

// MARK: - Multi-process training (only with FOVEA_MPI=1)
// `FOVEA_MPI=1 swift build -c release` links Open MPI (Debian/Ubuntu: libopenmpi-dev and
// openmpi-bin) so that `mpirun -np P fovea train …` trains one model across P processes
// (docs/distributed.md). Opt-in because MPI is a system library most users of a one-machine
// trainer do not have: the default build must neither need it nor change. CMPI is a
// system-library target (pkg-config `ompi`) whose shim hands Swift the handles mpi.h defines as
// macros; FoveaMPI holds `MPIProcessGroup`, and the `fovea` executable, compiled with
// `-D FOVEA_MPI`, registers it with `ProcessLaunch`. The library Fovea and the commands compile
// the same either way, so switching between the two builds in one build folder recompiles only
// FoveaMPI and `fovea`'s main, never the library (seconds, not minutes).
if ProcessInfo.processInfo.environment["FOVEA_MPI"] == "1" {
    package.targets.append(.systemLibrary(
        name: "CMPI",
        pkgConfig: "ompi",
        providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
    ))
    package.targets.append(.target(name: "FoveaMPI", dependencies: ["Fovea", "CMPI"], swiftSettings: cpuFlags))
    for target in package.targets where target.name == "fovea" {
        target.dependencies.append("FoveaMPI")
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("FOVEA_MPI")]
    }
}
