import ArgumentParser
import Foundation
import FoveaCommands
#if FOVEA_MPI
import Fovea
import FoveaMPI
#endif

// The only place that decides exit codes:
// - 0: done (also for --help and --version);
// - 1: bad input or a failed run, reported by the command as one line on standard error;
// - 2: a usage error (an unknown or malformed flag, a value out of range), reported here as one
//   line, `fovea: <flag and what is wrong> (see 'fovea <command> --help')`, instead of
//   argument-parser's multi-line message and its status 64;
// - 130 / 143: stopped by SIGINT / SIGTERM after saving (thrown by the command).
// A file-size limit (`ulimit -f`, or a quota enforced that way) would otherwise kill the process
// with SIGXFSZ in the middle of writing a checkpoint; ignored, the write fails with EFBIG and the
// command reports it in one line (the previous checkpoint stays whole).
signal(SIGXFSZ, SIG_IGN)

// The MPI build (FOVEA_MPI=1, docs/distributed.md): under mpirun, `fovea train` trains in the MPI
// world.
#if FOVEA_MPI
ProcessLaunch.mpiWorld = { try MPIProcessGroup.world() }
#endif

do {
    var command = try FoveaCommand.parseAsRoot()
    try command.run()
} catch {
    guard FoveaCommand.exitCode(for: error) == .validationFailure else { FoveaCommand.exit(withError: error) }
    let names = FoveaCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
    let subcommand = CommandLine.arguments.dropFirst().first.flatMap { names.contains($0) ? $0 : nil }
    let help = subcommand.map { "fovea \($0) --help" } ?? "fovea --help"
    var message = FoveaCommand.message(for: error)
    // "--epochs must be …" → "--epochs: must be …", the form of every other error line.
    if message.hasPrefix("--"), let space = message.firstIndex(of: " "), message[..<space].last != ":" {
        message = String(message[..<space]) + ":" + message[space...]
    }
    FileHandle.standardError.write(Data("fovea: \(message) (see '\(help)')\n".utf8))
    exit(2)
}
