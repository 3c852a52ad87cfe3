import Foundation
import Synchronization

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
/// `InProcessGroup` (threads standing for ranks, for tests), and `MPIProcessGroup` (Open MPI, in
/// the module FoveaMPI of the build with `FOVEA_MPI=1`; see docs/distributed.md).
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
    /// The messages of a step would exceed what one MPI call can count (`Int32.max` bytes).
    case modelTooLarge(parameters: Int)
    /// Started by an MPI launcher as one of `processes`, but built without MPI.
    case launchedWithoutMPI(processes: Int)
    /// MPI could not be started (`MPI_Init_thread` failed or gave too low a thread level).
    case cannotStartMPI(String)
    /// `FOVEA_MPI_TIMEOUT` is not a positive number of seconds.
    case badTimeout(String)

    public var description: String {
        switch self {
        case let .modelTooLarge(parameters):
            "the model's \(parameters) parameters are more than one MPI message can carry (\(Int(Int32.max) / 4) floats): train it in one process"
        case let .launchedWithoutMPI(processes):
            "started by mpirun as one of \(processes) processes, but this fovea was built without MPI, so each would train alone: build it with FOVEA_MPI=1 swift build -c release --product fovea (docs/distributed.md), or run without mpirun"
        case let .badTimeout(text):
            "FOVEA_MPI_TIMEOUT=\(text): not a positive number of seconds (the longest a rank waits for the others; unset it for 600, or give e.g. FOVEA_MPI_TIMEOUT=60)"
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

    /// The group this process trains in: under an MPI launcher, in the MPI build, the MPI world
    /// (`mpiWorld`); else this process alone. Throws `DistributedError.launchedWithoutMPI` when a
    /// launcher started several processes of a build without MPI (each would train and write
    /// alone).
    public static func group(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any ProcessGroup {
        guard let size = launcherSize(environment: environment) else { return SingleProcessGroup() }
        if let world = mpiWorld { return try world() }
        if size > 1 { throw DistributedError.launchedWithoutMPI(processes: size) }
        return SingleProcessGroup()
    }

    /// How to start the MPI world: registered once, before any command runs, by the `fovea`
    /// executable of the MPI build (`FOVEA_MPI=1`: `MPIProcessGroup.world` of the module
    /// FoveaMPI, which the library does not link); `nil` in the default build.
    public static var mpiWorld: (@Sendable () throws -> any ProcessGroup)? {
        get { registration.withLock { $0 } }
        set { registration.withLock { $0 = newValue } }
    }

    /// Whether this binary was built with MPI (`FOVEA_MPI=1`).
    public static var hasMPI: Bool { mpiWorld != nil }

    private static let registration = Mutex<(@Sendable () throws -> any ProcessGroup)?>(nil)
}

/// How the items of a step or an evaluation (shards, chunks) are dealt to ranks: item `i` to
/// rank `i % P`, so rank `r` computes items `r, r + P, r + 2P, …`. The items themselves depend
/// only on the batch or the set, never on `P`.
public enum RoundRobin {
    /// How many of `items` items rank `rank` of `size` computes (none when `rank >= items`).
    public static func count(rank: Int, size: Int, items: Int) -> Int {
        rank < items ? (items - rank + size - 1) / size : 0
    }
}

extension ProcessGroup {
    /// All-gather of items dealt round robin: item `i` of `items`, `width` 64-bit words, is
    /// computed by rank `i % size` (`RoundRobin`), which writes it with `fill(i, words)` (called
    /// for this rank's items only). Returns every item's words, item `i` at
    /// `i·width ..< (i + 1)·width`, the same on every rank. Only bytes move: the caller adds the
    /// items, in item order, so that no sum depends on the number of ranks. One `allGather`,
    /// laid out by rank (rank `q`'s items contiguous), then reordered by item.
    public func allGatherRoundRobin(items: Int, width: Int, fill: (Int, UnsafeMutableBufferPointer<UInt64>) -> Void) -> [UInt64] {
        var first = [0]
        for q in 0 ..< size { first.append(first[q] + RoundRobin.count(rank: q, size: size, items: items)) }
        // By rank: rank q's k-th item (item q + k·P) at slot first[q] + k.
        var byRank = [UInt64](repeating: 0, count: items * width)
        byRank.withUnsafeMutableBufferPointer { words in
            for (k, item) in stride(from: rank, to: items, by: size).enumerated() {
                fill(item, UnsafeMutableBufferPointer(rebasing: words[(first[rank] + k) * width ..< (first[rank] + k + 1) * width]))
            }
        }
        let wordSize = MemoryLayout<UInt64>.stride
        byRank.withUnsafeMutableBytes { bytes in
            allGather(bytes, ranges: (0 ..< size).map { q in width * wordSize * first[q] ..< width * wordSize * first[q + 1] })
        }
        var byItem = [UInt64](repeating: 0, count: items * width)
        for item in 0 ..< items {
            let slot = first[item % size] + item / size
            for j in 0 ..< width { byItem[item * width + j] = byRank[slot * width + j] }
        }
        return byItem
    }
}
