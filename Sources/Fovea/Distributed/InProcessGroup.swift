import Foundation

/// Threads of one process standing for the ranks of a group: the messages go through a shared
/// mailbox in memory. For tests of multi-rank training without MPI (each thread runs its own
/// trainer with its own rank), and as the reference of what a transport has to do.
///
/// Messages between one (source, destination, tag) are delivered in the order they were sent,
/// as MPI's are; a receive waits until its message is there.
public final class InProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let mailbox: Mailbox

    /// `size` ranks sharing one mailbox; give element `r` to the thread that plays rank `r`.
    public static func ranks(_ size: Int) -> [InProcessGroup] {
        let mailbox = Mailbox()
        return (0 ..< max(1, size)).map { InProcessGroup(rank: $0, size: max(1, size), mailbox: mailbox) }
    }

    private init(rank: Int, size: Int, mailbox: Mailbox) {
        self.rank = rank
        self.size = size
        self.mailbox = mailbox
    }

    /// Tags below 0 are the collectives' own (user tags are `>= 0`).
    private static let allGatherTag = -1, maximumTag = -2

    public func exchange(sends: [ProcessMessage.Send], receives: [ProcessMessage.Receive]) {
        for send in sends {
            precondition(send.tag >= 0 && (0 ..< size).contains(send.destination), "send to rank \(send.destination) tag \(send.tag)")
            mailbox.post(Array(send.bytes), key: Mailbox.Key(source: rank, destination: send.destination, tag: send.tag))
        }
        for receive in receives {
            let bytes = mailbox.take(Mailbox.Key(source: receive.source, destination: rank, tag: receive.tag))
            precondition(bytes.count == receive.bytes.count,
                         "rank \(rank) expected \(receive.bytes.count) bytes from rank \(receive.source) tag \(receive.tag), got \(bytes.count)")
            receive.bytes.copyBytes(from: bytes)
        }
    }

    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, ranges: [Range<Int>]) {
        precondition(ranges.count == size, "\(ranges.count) ranges for \(size) ranks")
        let mine = Array(UnsafeRawBufferPointer(rebasing: buffer[ranges[rank]]))
        for q in 0 ..< size where q != rank {
            mailbox.post(mine, key: Mailbox.Key(source: rank, destination: q, tag: InProcessGroup.allGatherTag))
        }
        for q in 0 ..< size where q != rank {
            let bytes = mailbox.take(Mailbox.Key(source: q, destination: rank, tag: InProcessGroup.allGatherTag))
            precondition(bytes.count == ranges[q].count, "rank \(q) gathered \(bytes.count) bytes into a range of \(ranges[q].count)")
            UnsafeMutableRawBufferPointer(rebasing: buffer[ranges[q]]).copyBytes(from: bytes)
        }
    }

    public func maximum(_ value: Int) -> Int {
        var result = value
        withUnsafeBytes(of: value) { mine in
            for q in 0 ..< size where q != rank {
                mailbox.post(Array(mine), key: Mailbox.Key(source: rank, destination: q, tag: InProcessGroup.maximumTag))
            }
        }
        for q in 0 ..< size where q != rank {
            let bytes = mailbox.take(Mailbox.Key(source: q, destination: rank, tag: InProcessGroup.maximumTag))
            result = max(result, bytes.withUnsafeBytes { $0.loadUnaligned(as: Int.self) })
        }
        return result
    }

    /// The ranks are this one process: it ends.
    public func abort(exitCode code: Int32) -> Never { exit(code) }
    public func finish() {}

    /// Queues of messages by (source, destination, tag), under one lock.
    private final class Mailbox: @unchecked Sendable {
        struct Key: Hashable {
            let source: Int, destination: Int, tag: Int
        }
        private let condition = NSCondition()
        /// Guarded by `condition`.
        private var queues: [Key: [[UInt8]]] = [:]

        func post(_ bytes: [UInt8], key: Key) {
            condition.lock()
            queues[key, default: []].append(bytes)
            condition.broadcast()
            condition.unlock()
        }

        func take(_ key: Key) -> [UInt8] {
            condition.lock()
            defer { condition.unlock() }
            while queues[key]?.isEmpty ?? true { condition.wait() }
            return queues[key, default: []].removeFirst()
        }
    }
}
