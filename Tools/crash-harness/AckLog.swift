import Foundation
import Synchronization

/// Entries the ledger acknowledged (CLI exited 0 with its seq, or HTTP 201 with its seq), shared by client threads.
final class AckLog: @unchecked Sendable {
    // Safe: every access to `items` and `problems` holds `lock`.
    struct Ack: Sendable {
        let seq: Int
        let leafHash: String
        let via: String
    }

    private let lock = NSLock()
    private var items: [Ack] = []
    private var problems: [String] = []

    func add(_ ack: Ack) { lock.withLock { items.append(ack) } }
    func problem(_ text: String) { lock.withLock { problems.append(text) } }
    var all: [Ack] { lock.withLock { items } }
    var allProblems: [String] { lock.withLock { problems } }
}

/// A flag threads share (a class, so closures can hold it).
final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
