// The module FoveaMPI exists only in the build with FOVEA_MPI=1 (Package.swift), which links
// Open MPI; the `fovea` executable of that build registers `MPIProcessGroup.world` with
// `ProcessLaunch`.
import CMPI
import Foundation
import Fovea

/// The MPI world (`MPI_COMM_WORLD`) as a `ProcessGroup`: one rank per process `mpirun` started.
///
/// Started once per process (`world()`) at the thread level `MPI_THREAD_SERIALIZED`: the
/// trainer makes every MPI call from the thread that runs the step, never from its workers or
/// the batch pipeline. Only moves bytes (`MPI_BYTE`), plus `MPI_MAX` on integers for
/// agreement; never reduces floats. Errors come back as return codes (`MPI_ERRORS_RETURN`) and
/// end the job with one line naming the rank and the call (`MPI_Abort`): a rank cannot go on
/// alone once a collective has failed.
///
/// Every call is non-blocking underneath (`MPI_Isend`/`MPI_Irecv`, `MPI_Iallgatherv`,
/// `MPI_Iallreduce`) and waited for with a deadline (`waitLimit`): a rank that hangs (stopped,
/// deadlocked, stuck on a dead file system) would otherwise hold every other rank in its next
/// collective forever; instead a waiting rank ends the job after `FOVEA_MPI_TIMEOUT` seconds
/// (default 600) with one line naming the ranks it was waiting for.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let communicator: MPI_Comm
    /// Seconds a collective may wait for the other ranks before this rank ends the job.
    public let waitLimit: Double

    /// `FOVEA_MPI_TIMEOUT` (seconds, a positive number), else 600: far above any step,
    /// evaluation or checkpoint write a rank could be waiting for. Throws
    /// `DistributedError.badTimeout` for a value that is not a positive number of seconds.
    static func waitLimit(environment: [String: String]) throws(DistributedError) -> Double {
        guard let text = environment["FOVEA_MPI_TIMEOUT"] else { return 600 }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite, seconds <= 1e9 else { throw .badTimeout(text) }
        return seconds
    }

    /// Guards `shared` and `finished`.
    private static let lock = NSLock()
    /// The world once started (`MPI_Init` may run once per process). Guarded by `lock`.
    nonisolated(unsafe) private static var shared: MPIProcessGroup?
    /// Whether `MPI_Finalize` has run (no MPI call may follow). Guarded by `lock`.
    nonisolated(unsafe) private static var finished = false

    /// The MPI world, started on the first call. Throws `DistributedError.cannotStartMPI` if MPI
    /// cannot start, or has already been finished in this process.
    public static func world() throws -> MPIProcessGroup {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        guard !finished else { throw DistributedError.cannotStartMPI("MPI was already finished in this process") }
        let limit = try waitLimit(environment: ProcessInfo.processInfo.environment)
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
        guard code == MPI_SUCCESS else { throw DistributedError.cannotStartMPI("MPI_Init_thread returned \(code)") }
        guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
            throw DistributedError.cannotStartMPI("the library gives thread level \(provided), below MPI_THREAD_SERIALIZED")
        }
        guard let world = fovea_mpi_comm_world() else { throw DistributedError.cannotStartMPI("MPI_COMM_WORLD is null") }
        MPI_Comm_set_errhandler(world, fovea_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        let group = MPIProcessGroup(rank: Int(rank), size: Int(size), communicator: world,
                                    waitLimit: limit)
        shared = group
        return group
    }

    private init(rank: Int, size: Int, communicator: MPI_Comm, waitLimit: Double) {
        self.rank = rank
        self.size = size
        self.communicator = communicator
        self.waitLimit = waitLimit
    }

    /// Waits for `requests` to complete: polls `MPI_Testall` (which also drives Open MPI's
    /// progress) without pause for the first 10 ms, the common case, then every 100 µs; past
    /// `waitLimit` ends the job, naming the ranks `waitingFor` returns (those whose messages
    /// have not arrived), or "the other ranks" for a collective.
    private func wait(_ requests: UnsafeMutableBufferPointer<MPI_Request?>, call: String, waitingFor: () -> [Int] = { [] }) {
        let clock = ContinuousClock(), start = clock.now
        var done: Int32 = 0
        while true {
            check(MPI_Testall(Int32(requests.count), requests.baseAddress, &done, fovea_mpi_statuses_ignore()), call)
            if done != 0 { return }
            let waited = (clock.now - start) / .seconds(1)
            if waited > waitLimit {
                let ranks = waitingFor()
                let whom = ranks.isEmpty ? "the other ranks" : (ranks.count == 1 ? "rank " : "ranks ") + ranks.map(String.init).joined(separator: ", ")
                // Whole seconds as such ("3 s"), a fraction as given ("0.5 s"), never rounded to 0.
                let limit = waitLimit == waitLimit.rounded() ? "\(Int(waitLimit))" : "\(waitLimit)"
                FileHandle.standardError.write(Data(("fovea: rank \(rank) of \(size): waited \(limit) s in \(call) for \(whom) "
                    + "(hung, stopped or far behind); ending the job (FOVEA_MPI_TIMEOUT sets the wait, in seconds)\n").utf8))
                abort(exitCode: 1)
            }
            if waited > 0.01 { usleep(100) }
        }
    }

    public func exchange(sends: [ProcessMessage.Send], receives: [ProcessMessage.Receive]) {
        var requests = [MPI_Request?](repeating: fovea_mpi_request_null(), count: sends.count + receives.count)
        requests.withUnsafeMutableBufferPointer { requests in
            // Every receive is posted before any send, so that no send waits on an unposted
            // receive (eager or rendezvous alike).
            for (i, receive) in receives.enumerated() {
                check(MPI_Irecv(receive.bytes.baseAddress, Int32(receive.bytes.count), fovea_mpi_byte(), Int32(receive.source),
                                Int32(receive.tag), communicator, &requests[i]), "MPI_Irecv")
            }
            for (i, send) in sends.enumerated() {
                check(MPI_Isend(send.bytes.baseAddress, Int32(send.bytes.count), fovea_mpi_byte(), Int32(send.destination),
                                Int32(send.tag), communicator, &requests[receives.count + i]), "MPI_Isend")
            }
            wait(requests, call: "MPI_Testall (the exchange)") {
                // The receives not yet complete name the ranks this one waits for.
                var missing = Set<Int>()
                for (i, receive) in receives.enumerated() {
                    var arrived: Int32 = 0
                    if MPI_Test(&requests[i], &arrived, fovea_mpi_status_ignore()) == MPI_SUCCESS, arrived == 0 { missing.insert(receive.source) }
                }
                return missing.sorted()
            }
        }
    }

    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, ranges: [Range<Int>]) {
        precondition(ranges.count == size, "\(ranges.count) ranges for \(size) ranks")
        let counts = ranges.map { Int32($0.count) }, offsets = ranges.map { Int32($0.lowerBound) }
        // The counts and offsets must stay in place until the all-gather completes.
        var request: [MPI_Request?] = [fovea_mpi_request_null()]
        counts.withUnsafeBufferPointer { counts in
            offsets.withUnsafeBufferPointer { offsets in
                request.withUnsafeMutableBufferPointer { request in
                    check(MPI_Iallgatherv(fovea_mpi_in_place(), 0, fovea_mpi_byte(), buffer.baseAddress, counts.baseAddress, offsets.baseAddress,
                                          fovea_mpi_byte(), communicator, &request[0]), "MPI_Iallgatherv")
                    wait(request, call: "MPI_Iallgatherv")
                }
            }
        }
    }

    public func maximum(_ value: Int) -> Int {
        // Both values must stay in place until the reduction completes.
        var values: [Int64] = [Int64(value), 0]
        var request: [MPI_Request?] = [fovea_mpi_request_null()]
        values.withUnsafeMutableBufferPointer { values in
            request.withUnsafeMutableBufferPointer { request in
                check(MPI_Iallreduce(values.baseAddress, values.baseAddress.map { $0 + 1 }, 1, fovea_mpi_long_long(), fovea_mpi_max(),
                                     communicator, &request[0]), "MPI_Iallreduce(MPI_MAX)")
                wait(request, call: "MPI_Iallreduce(MPI_MAX)")
            }
        }
        return Int(values[1])
    }

    public func abort(exitCode code: Int32) -> Never {
        MPI_Abort(communicator, code)
        exit(code)
    }

    public func finish() {
        MPIProcessGroup.lock.lock()
        defer { MPIProcessGroup.lock.unlock() }
        guard !MPIProcessGroup.finished else { return }
        MPIProcessGroup.finished = true
        MPIProcessGroup.shared = nil
        MPI_Finalize()
    }

    /// Ends the job with one line if an MPI call failed (the other ranks would wait forever).
    private func check(_ code: Int32, _ call: String) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let reason = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        FileHandle.standardError.write(Data("fovea: rank \(rank) of \(size): \(call) failed: \(reason); ending the job\n".utf8))
        abort(exitCode: 1)
    }
}
