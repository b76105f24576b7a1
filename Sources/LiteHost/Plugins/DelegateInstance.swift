import DelegateABI
import Foundation

/// One configured delegate of a backend, owned by one interpreter, with the partitions it created.
///
/// Every plugin call goes through `call`, which runs it on the backend's pinned thread when the
/// backend asked for one, clears the error slot before and turns a non-OK status into an
/// `InterpreterError` carrying the plugin's reported message.
final class DelegateInstance {
    let backend: Backend
    private let services: ServiceContext
    private let pinned: PinnedThread?
    private var handle: OpaquePointer?
    private var partitions: [OpaquePointer] = []
    /// Keeps the graph (and so the constant data plugins may point into) alive until the delegate
    /// is destroyed.
    var graphKeepAlive: AnyObject?

    var name: String { backend.name }

    /// Creates the delegate with `options` (already filtered for this backend).
    init(backend: Backend, options: [(String, String)]) throws {
        self.backend = backend
        services = ServiceContext(source: backend.name)
        pinned = backend.threading == LITE_THREADING_CREATOR_THREAD ? PinnedThread(name: "lite-\(backend.name)") : nil
        var created: OpaquePointer?
        try withCStrings(options.map(\.0)) { keys in
            try withCStrings(options.map(\.1)) { values in
                try call("create_delegate") {
                    backend.createDelegate(UnsafePointer(services.table), keys, values, options.count, &created)
                }
            }
        }
        guard let created else {
            throw InterpreterError(.delegateCall, "delegate '\(backend.name)': create_delegate returned no delegate")
        }
        handle = created
    }

    deinit {
        let backend = backend, handle = handle, partitions = partitions
        run {
            for partition in partitions.reversed() { backend.destroyPartition(partition) }
            if let handle { backend.destroyDelegate(handle) }
        }
        pinned?.stop()
    }

    /// Runs `body` where the backend's threading model says calls must happen.
    private func run<T>(_ body: () -> T) -> T {
        if let pinned { return pinned.run(body) }
        return body()
    }

    /// Calls into the plugin and maps its status to a thrown error.
    func call(_ function: String, _ body: () -> LiteStatus) throws {
        _ = services.takeError()
        let status = run(body)
        let reported = services.takeError()
        guard status != LITE_STATUS_OK else { return }
        let detail = reported.map { $0.message.isEmpty ? statusName(status) : $0.message } ?? statusName(status)
        throw InterpreterError(.delegateCall, "delegate '\(backend.name)': \(function) failed: \(detail)", status: status)
    }

    /// Asks the plugin which nodes of `graph` it takes. Returns one verdict per node: nil when
    /// taken, or the reason it declined.
    func claim(_ graph: GraphView) throws -> [String?] {
        let collector = VerdictCollector(nodeCount: graph.nodeCount)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        try call("claim_nodes") {
            backend.claimNodes(handle, graph.pointer, { context, node, verdict, reason in
                guard let context else { return }
                let collector = Unmanaged<VerdictCollector>.fromOpaque(context).takeUnretainedValue()
                collector.record(node: node, verdict: verdict, reason: reason.map { String(cString: $0) })
            }, context)
        }
        return collector.verdicts
    }

    /// Creates a partition; the returned handle is owned by this instance until it is destroyed.
    func createPartition(_ graph: GraphView, nodes: [Int32], inputs: [Int32], outputs: [Int32]) throws -> OpaquePointer {
        var partition: OpaquePointer?
        try call("create_partition") {
            backend.createPartition(
                handle, graph.pointer, nodes, Int32(nodes.count), inputs, Int32(inputs.count), outputs,
                Int32(outputs.count), &partition)
        }
        guard let partition else {
            throw InterpreterError(.delegateCall, "delegate '\(backend.name)': create_partition returned no partition")
        }
        partitions.append(partition)
        return partition
    }

    func prepare(_ partition: OpaquePointer, graph: GraphView) throws {
        try call("prepare_partition") { backend.preparePartition(partition, graph.pointer) }
    }

    /// What a prepared partition became, when the backend reports it (ABI 1.2); nil otherwise.
    func describe(_ partition: OpaquePointer) throws -> PartitionPlan.Details? {
        guard let describe = backend.describePartition else { return nil }
        var info = LitePartitionInfo()
        info.struct_size = MemoryLayout<LitePartitionInfo>.size
        try call("describe_partition") { describe(partition, &info) }
        let summary = withUnsafeBytes(of: &info.summary, textBeforeNUL)
        return PartitionPlan.Details(
            dispatchCount: info.dispatch_count > 0 ? Int(info.dispatch_count) : nil,
            kernelCount: info.kernel_count > 0 ? Int(info.kernel_count) : nil,
            deviceBytes: info.device_bytes > 0 ? info.device_bytes : nil,
            summary: summary)
    }

    /// Runs a partition over host buffers. The pointer arrays are owned by the caller.
    func invoke(
        _ partition: OpaquePointer, inputs: UnsafePointer<UnsafeRawPointer?>, inputSizes: UnsafePointer<Int>,
        outputs: UnsafePointer<UnsafeMutableRawPointer?>, outputSizes: UnsafePointer<Int>
    ) throws {
        try call("invoke_partition") { backend.invokePartition(partition, inputs, inputSizes, outputs, outputSizes) }
    }
}

/// Collects claim_nodes verdicts; nodes never mentioned count as declined.
private final class VerdictCollector {
    var verdicts: [String?]

    init(nodeCount: Int) { verdicts = Array(repeating: "gave no verdict", count: nodeCount) }

    func record(node: Int32, verdict: LiteVerdict, reason: String?) {
        guard node >= 0, Int(node) < verdicts.count else { return }
        if verdict == LITE_VERDICT_TAKEN {
            verdicts[Int(node)] = nil
        } else {
            let text = reason ?? ""
            verdicts[Int(node)] = text.isEmpty ? "declined without a reason" : text
        }
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`, valid during the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    // A trailing NULL keeps the array non-empty, so it always has a base address.
    let copies = strings.map { UnsafePointer(strdup($0)) } + [nil]
    defer { copies.forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
    return try copies.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
