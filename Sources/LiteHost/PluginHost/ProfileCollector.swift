import DelegateABI
import Foundation

/// Collects the profile events a plugin reports during one invoke_partition call (ABI 1.3). It lives
/// as long as its delegate's services table, so an event sent outside an invoke reaches a closed
/// collector that counts it. Locked: the ABI asks for the calling thread, but a plugin may err.
final class ProfileCollector: @unchecked Sendable {
    /// An event as the plugin reported it, copied: times since its invoke_partition call began.
    struct Event: Sendable {
        let name: String
        let nodes: [Int]
        let onDevice: Bool
        let startNanoseconds: UInt64
        let durationNanoseconds: UInt64
    }

    private let lock = NSLock()
    private var events: [Event] = []
    private var isOpen = false
    private var nodeCount = 0
    private var rejectedCount = 0

    /// Events that were outside an invoke, too short a struct, or named nodes outside the graph.
    var rejected: Int { lock.withLock { rejectedCount } }

    func open(nodeCount: Int) {
        lock.withLock {
            events.removeAll(keepingCapacity: true)
            self.nodeCount = nodeCount
            isOpen = true
        }
    }

    func close() -> [Event] {
        lock.withLock {
            isOpen = false
            return events
        }
    }

    /// A kernel name: short printable ASCII is copied as it is (the common case, kept cheap because
    /// it runs once per kernel while profiling); anything else goes through PluginText's cleaning.
    private static func name(_ text: UnsafePointer<CChar>) -> String {
        var length = 0
        while length < 64, text[length] != 0, (0x20...0x7e).contains(UInt8(bitPattern: text[length])) { length += 1 }
        guard text[length] == 0 else { return PluginText.read(text).text }
        return text.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Copies `event` if it is well-formed and an invoke is open.
    func record(_ event: UnsafePointer<LiteProfileEvent>) {
        let size = event.pointee.struct_size
        let needed = MemoryLayout<LiteProfileEvent>.offset(of: \LiteProfileEvent.duration_ns)! + MemoryLayout<UInt64>.size
        lock.lock()
        defer { lock.unlock() }
        let count = Int(event.pointee.node_count)
        guard isOpen, size >= needed, size <= 1 << 16, count >= 0, count <= nodeCount,
              count == 0 || event.pointee.nodes != nil else {
            rejectedCount += 1
            return
        }
        let nodes = (0..<count).map { Int(event.pointee.nodes![$0]) }
        guard nodes.allSatisfy({ (0..<nodeCount).contains($0) }) else {
            rejectedCount += 1
            return
        }
        let name = event.pointee.name.map(Self.name) ?? ""
        events.append(Event(
            name: name.isEmpty ? "(unnamed)" : name, nodes: nodes, onDevice: event.pointee.clock == LITE_PROFILE_CLOCK_DEVICE,
            startNanoseconds: event.pointee.start_ns, durationNanoseconds: event.pointee.duration_ns))
    }
}
