import Foundation
import Synchronization

/// What a rank's collectives cost over some span (an epoch's training steps): the wall time spent
/// inside them, which includes waiting for slower ranks, and the bytes this rank received and
/// sent. A message to itself is not counted; an all-gather counts the other ranks' ranges as
/// received and its own range, once per other rank, as sent (what a ring or a tree moves in all).
public struct CommunicationTotals: Sendable, Equatable {
    public var seconds: Double = 0
    public var bytesReceived = 0
    public var bytesSent = 0
    /// Collective calls made (exchange, all-gather, maximum).
    public var calls = 0

    public init() {}

    public static func - (a: CommunicationTotals, b: CommunicationTotals) -> CommunicationTotals {
        var d = CommunicationTotals()
        d.seconds = a.seconds - b.seconds
        d.bytesReceived = a.bytesReceived - b.bytesReceived
        d.bytesSent = a.bytesSent - b.bytesSent
        d.calls = a.calls - b.calls
        return d
    }
}

/// Another group's collectives, timed and counted (`totals`): the trainer wraps the group it
/// trains in with one, so that each epoch reports what the exchange cost (docs/distributed.md,
/// "Cost"). Moves nothing itself and changes no result.
public final class MeteredProcessGroup: ProcessGroup, @unchecked Sendable {
    public let base: any ProcessGroup
    private let counted = Mutex(CommunicationTotals())

    public init(_ base: any ProcessGroup) {
        self.base = base
    }

    public var rank: Int { base.rank }
    public var size: Int { base.size }

    /// Everything counted since this group was made.
    public var totals: CommunicationTotals { counted.withLock { $0 } }

    private func measure(received: Int, sent: Int, _ body: () -> Void) {
        let clock = ContinuousClock(), start = clock.now
        body()
        let seconds = (clock.now - start).seconds
        counted.withLock { totals in
            totals.seconds += seconds
            totals.bytesReceived += received
            totals.bytesSent += sent
            totals.calls += 1
        }
    }

    public func exchange(sends: [ProcessMessage.Send], receives: [ProcessMessage.Receive]) {
        measure(received: receives.reduce(0) { $0 + $1.bytes.count }, sent: sends.reduce(0) { $0 + $1.bytes.count }) {
            base.exchange(sends: sends, receives: receives)
        }
    }

    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, ranges: [Range<Int>]) {
        let own = ranges.indices.contains(rank) ? ranges[rank].count : 0
        let all = ranges.reduce(0) { $0 + $1.count }
        measure(received: all - own, sent: own * (size - 1)) { base.allGather(buffer, ranges: ranges) }
    }

    public func maximum(_ value: Int) -> Int {
        var result = value
        measure(received: 8 * (size - 1), sent: 8 * (size - 1)) { result = base.maximum(value) }
        return result
    }

    public func abort(exitCode code: Int32) -> Never { base.abort(exitCode: code) }
    public func finish() { base.finish() }
}
