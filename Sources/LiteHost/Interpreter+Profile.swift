import Foundation

/// What one profiled invoke spent where: the host's partitions and its own work, and what each
/// delegate reported inside its partitions. Times are nanoseconds since the invoke began.
public struct InvokeProfile: Sendable {
    public enum Kind: String, Sendable {
        /// A partition's invoke_partition call as the host timed it (contains the delegate's events).
        case partition
        /// A kernel or the partition's own work, reported by its delegate.
        case kernel
        /// The host's work outside partitions (binding, stepping between partitions).
        case host
    }

    public struct Event: Sendable {
        public let kind: Kind
        public let name: String
        /// The delegate whose track it is on; nil for the host's own work.
        public let delegate: String?
        /// Index into `partitionPlan.partitions`; nil for host events.
        public let partition: Int?
        /// Graph nodes it computes (every node of a partition, for a partition event).
        public let nodes: [Int]
        /// Measured by the device's clock (a GPU's timestamps) rather than the host's.
        public let onDevice: Bool
        public let startNanoseconds: UInt64
        public let durationNanoseconds: UInt64
    }

    /// The whole invoke, on the host's clock.
    public let durationNanoseconds: UInt64
    public let events: [Event]
    /// Events delegates sent that the host could not take (malformed, nodes outside the graph, or
    /// outside an invoke), counted since the interpreter was created.
    public let rejectedEventCount: Int
}

extension Interpreter {
    /// Runs the partitions in order, timing each call and the host's work between them, and keeps
    /// what the delegates reported.
    func invokeProfiled(_ partitions: [PartitionRuntime]) throws -> InvokeProfile {
        var events: [InvokeProfile.Event] = []
        let start = DispatchTime.now().uptimeNanoseconds
        var hostFrom: UInt64 = 0
        func hostEvent(until end: UInt64, _ name: String) {
            guard end > hostFrom else { return }
            events.append(.init(kind: .host, name: name, delegate: nil, partition: nil, nodes: [], onDevice: false,
                                startNanoseconds: hostFrom, durationNanoseconds: end - hostFrom))
        }
        for (index, partition) in partitions.enumerated() {
            let plan = partitionPlan.partitions[index]
            let callStart = DispatchTime.now().uptimeNanoseconds - start
            hostEvent(until: callStart, index == 0 ? "host: invoke" : "host: between partitions")
            let reported = try partition.invoke(profiledNodeCount: graph.nodeCount)
            let callEnd = DispatchTime.now().uptimeNanoseconds - start
            events.append(.init(kind: .partition, name: "partition \(index)", delegate: plan.delegate, partition: index,
                                nodes: plan.nodes, onDevice: false, startNanoseconds: callStart,
                                durationNanoseconds: callEnd - callStart))
            for event in reported {
                events.append(.init(kind: .kernel, name: event.name, delegate: plan.delegate, partition: index,
                                    nodes: event.nodes, onDevice: event.onDevice,
                                    startNanoseconds: callStart + event.startNanoseconds,
                                    durationNanoseconds: event.durationNanoseconds))
            }
            hostFrom = callEnd
        }
        let total = DispatchTime.now().uptimeNanoseconds - start
        hostEvent(until: total, "host: invoke")
        var delegates: [ObjectIdentifier: DelegateInstance] = [:]
        for partition in partitions { delegates[ObjectIdentifier(partition.delegate)] = partition.delegate }
        return InvokeProfile(durationNanoseconds: total, events: events,
                             rejectedEventCount: delegates.values.reduce(0) { $0 + $1.rejectedProfileEvents })
    }
}
