import Foundation

/// The processes that train one model together (data parallelism): each process is one rank,
/// `0 ..< size`, runs the same program on the same data, and computes its share of every step's
/// shards (`DistributedStep`). The group moves bytes between ranks and nothing else: it never adds
/// floating-point numbers, so no sum's order is left to the transport (not even MPI's
/// `MPI_Allreduce(MPI_SUM)`, whose order MPI does not fix).
///
/// Every rank calls the same collectives in the same order with matching arguments; that is the
/// caller's part of the contract. A transport failure cannot be recovered from inside one rank
/// (the others would wait for it forever), so an implementation ends the whole job instead
/// (MPI: its errors-are-fatal handler, which names the failed rank).
///
/// Implementations: `SingleProcessGroup` (the default: one rank, every collective a no-op),
/// `InProcessGroup` (threads standing for ranks, for tests), and `MPIProcessGroup` (Open MPI, only
/// in the build with `FOVEA_MPI=1`; see docs/distributed.md).
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's rank, `0 ..< size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// One round of point-to-point messages: returns when every send has left and every receive
    /// has arrived. A receive matches the send of the same (source, destination, tag); the
    /// receives' buffers must be disjoint from each other and from the sends'. The pointers are
    /// used only during the call.
    func exchange(sends: [ProcessMessage.Send], receives: [ProcessMessage.Receive])

    /// All-gather in place: on entry `buffer[ranges[rank]]` holds this rank's bytes; on return
    /// `buffer[ranges[q]]` holds rank `q`'s, for every `q` (`ranges.count == size`, disjoint,
    /// the same on every rank). Only moves bytes.
    func allGather(_ buffer: UnsafeMutableRawBufferPointer, ranges: [Range<Int>])

    /// The largest of the ranks' `value`s, on every rank (integers: exact in any order).
    func maximum(_ value: Int) -> Int

    /// Ends every process of the group at once with exit status `code` (the CLI calls it after
    /// this rank failed, so that the others do not wait for it forever).
    func abort(exitCode code: Int32) -> Never

    /// Leaves the group at the end of the program (MPI: `MPI_Finalize`); every rank calls it once.
    func finish()
}

/// The messages of `ProcessGroup.exchange`. The pointers are borrowed for the call only.
public enum ProcessMessage {
    /// `bytes` to rank `destination`, labelled `tag` (`tag >= 0`).
    public struct Send: @unchecked Sendable {
        public let destination: Int
        public let tag: Int
        public let bytes: UnsafeRawBufferPointer
        public init(to destination: Int, tag: Int, bytes: UnsafeRawBufferPointer) {
            self.destination = destination
            self.tag = tag
            self.bytes = bytes
        }
    }

    /// `bytes.count` bytes from rank `source`, labelled `tag`, into `bytes`.
    public struct Receive: @unchecked Sendable {
        public let source: Int
        public let tag: Int
        public let bytes: UnsafeMutableRawBufferPointer
        public init(from source: Int, tag: Int, into bytes: UnsafeMutableRawBufferPointer) {
            self.source = source
            self.tag = tag
            self.bytes = bytes
        }
    }
}

/// One process alone: rank 0 of 1. Every collective has nothing to move.
public final class SingleProcessGroup: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func exchange(sends: [ProcessMessage.Send], receives: [ProcessMessage.Receive]) {
        precondition(sends.isEmpty && receives.isEmpty, "a single process has no one to exchange messages with")
    }
    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, ranges: [Range<Int>]) {}
    public func maximum(_ value: Int) -> Int { value }
    public func abort(exitCode code: Int32) -> Never { exit(code) }
    public func finish() {}
}

/// Why a model cannot be trained across processes (yet), or a launch cannot be used.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// The network has batch-normalization layers, whose whole-batch statistics are not yet
    /// combined across processes.
    case wholeBatchLayers(processes: Int)
    /// The messages of a step would exceed what one MPI call can count (`Int32.max` bytes).
    case modelTooLarge(parameters: Int)
    /// Started by an MPI launcher as one of `processes`, but built without MPI.
    case launchedWithoutMPI(processes: Int)
    /// MPI could not be started (`MPI_Init_thread` failed or gave too low a thread level).
    case cannotStartMPI(String)

    public var description: String {
        switch self {
        case let .wholeBatchLayers(processes):
            "the model has batch normalization, which is not yet trained across processes (\(processes) launched): run it with one process, or use a model without bn layers"
        case let .modelTooLarge(parameters):
            "the model's \(parameters) parameters are more than one MPI message can carry (\(Int(Int32.max) / 4) floats): train it in one process"
        case let .launchedWithoutMPI(processes):
            "started by mpirun as one of \(processes) processes, but this fovea was built without MPI, so each would train alone: build it with FOVEA_MPI=1 swift build -c release --build-path .build-mpi (docs/distributed.md), or run without mpirun"
        case let .cannotStartMPI(reason):
            "cannot start MPI: \(reason) (check the Open MPI installation, and launch with mpirun)"
        }
    }
}

/// How this process was started: alone, or by an MPI launcher as one of several.
public enum ProcessLaunch {
    /// The number of processes an MPI launcher started this one among (`mpirun`: Open MPI's
    /// `OMPI_COMM_WORLD_SIZE`; MPICH, Slurm's PMI: `PMI_SIZE`), or `nil` when no launcher did.
    public static func launcherSize(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let value = environment[name], let size = Int(value), size >= 1 { return size }
        }
        return nil
    }

    /// The group this process trains in: under an MPI launcher, in the MPI build, the MPI world;
    /// else this process alone. Throws `DistributedError.launchedWithoutMPI` when a launcher
    /// started several processes of a build without MPI (each would train and write alone).
    public static func group(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any ProcessGroup {
        guard let size = launcherSize(environment: environment) else { return SingleProcessGroup() }
        #if FOVEA_MPI
        return try MPIProcessGroup.world()
        #else
        if size > 1 { throw DistributedError.launchedWithoutMPI(processes: size) }
        return SingleProcessGroup()
        #endif
    }

    /// Whether this binary was built with MPI (`FOVEA_MPI=1`).
    public static var hasMPI: Bool {
        #if FOVEA_MPI
        true
        #else
        false
        #endif
    }
}
