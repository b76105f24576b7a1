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
    private let verdicts = VerdictCollector()
    /// Keeps the graph (and so the constant data plugins may point into) alive until the delegate
    /// is destroyed.
    var graphKeepAlive: AnyObject?

    var name: String { backend.name }

    /// Creates the delegate with `options` (already filtered for this backend).
    init(backend: Backend, options: [(String, String)]) throws {
        self.backend = backend
        services = ServiceContext(source: backend.name, acceptsProfileEvents: true)
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
        if status.rawValue > LITE_STATUS_INCOMPATIBLE_ABI.rawValue { ownConduct.record(.unknownStatus) }
        if reported == nil { ownConduct.record(.failureWithoutReason) }
        let detail = reported.map { $0.message.isEmpty ? statusName(status) : $0.message } ?? statusName(status)
        throw InterpreterError(.delegateCall, "delegate '\(backend.name)': \(function) failed: \(detail)", status: status)
    }

    /// Asks the plugin which nodes of `graph` it takes. Returns one verdict per node: nil when
    /// taken, or the reason it declined. Verdicts that break the ABI's rules are not believed and
    /// are counted in `conduct`: a node outside the graph or a second verdict for one node (the
    /// first stands) is ignored, and a TAKEN for an operator the capability report does not declare
    /// becomes a decline. A verdict after claim_nodes returned is ignored and counted.
    func claim(_ graph: GraphView, model: ModelDefinition) throws -> [String?] {
        verdicts.open(nodeCount: graph.nodeCount)
        defer { verdicts.close() }
        let context = Unmanaged.passUnretained(verdicts).toOpaque()
        try call("claim_nodes") {
            backend.claimNodes(handle, graph.pointer, { context, node, verdict, reason in
                guard let context else { return }
                let collector = Unmanaged<VerdictCollector>.fromOpaque(context).takeUnretainedValue()
                collector.record(node: node, verdict: verdict, reason: reason)
            }, context)
        }
        var result = verdicts.current()
        for (node, verdict) in result.enumerated() where verdict == nil {
            let definition = model.operators[node]
            if let undeclared = backend.info.undeclaredOperator(
                code: definition.opcode, version: definition.version, customName: definition.customName)
            {
                result[node] = "took \(undeclared), which its capability report does not declare (refused by the host)"
                ownConduct.record(.undeclaredOperator)
            }
        }
        return result
    }

    /// What this delegate's plugin did against the ABI's rules so far (verdicts, messages).
    var conduct: PluginConduct {
        var report = verdicts.conduct
        report.merge(ownConduct)
        report.count(.messageCleaned, services.cleanedMessageCount)
        return report
    }
    private var ownConduct = PluginConduct()

    /// Creates a partition; the returned handle is owned by this instance until it is destroyed.
    func createPartition(_ graph: GraphView, nodes: [Int32], inputs: [Int32], outputs: [Int32]) throws -> OpaquePointer {
        var partition: OpaquePointer?
        try call("create_partition") {
            backend.createPartition(
                handle, graph.pointer, nodes, Int32(nodes.count), inputs, Int32(inputs.count), outputs,
                Int32(outputs.count), &partition)
        }
        guard let partition else {
            ownConduct.record(.nullObject)
            throw InterpreterError(.delegateCall, "delegate '\(backend.name)': create_partition returned no partition")
        }
        partitions.append(partition)
        return partition
    }

    /// Destroys a partition this instance created (one the planner did not keep).
    func destroyPartition(_ partition: OpaquePointer) {
        guard let index = partitions.firstIndex(of: partition) else { return }
        partitions.remove(at: index)
        let backend = backend
        run { backend.destroyPartition(partition) }
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

    /// `invoke` that also returns the profile events the plugin reported during the call.
    func invokeProfiled(
        _ partition: OpaquePointer, nodeCount: Int, inputs: UnsafePointer<UnsafeRawPointer?>, inputSizes: UnsafePointer<Int>,
        outputs: UnsafePointer<UnsafeMutableRawPointer?>, outputSizes: UnsafePointer<Int>
    ) throws -> [ProfileCollector.Event] {
        guard let collector = services.profile else { return [] }
        collector.open(nodeCount: nodeCount)
        defer { _ = collector.close() }
        try invoke(partition, inputs: inputs, inputSizes: inputSizes, outputs: outputs, outputSizes: outputSizes)
        return collector.close()
    }

    /// Profile events this delegate's plugin sent that the host could not take (outside an invoke,
    /// malformed, nodes outside the graph).
    var rejectedProfileEvents: Int { services.profile?.rejected ?? 0 }
}

/// Collects claim_nodes verdicts. It lives as long as its delegate, so a plugin that calls the
/// verdict function late (after claim_nodes returned) reaches a closed collector that counts the
/// call, never freed memory. Locked: a plugin may call from any thread.
private final class VerdictCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var verdicts: [String?] = []
    private var decided: [Bool] = []
    private var isOpen = false
    private var counts = PluginConduct()

    var conduct: PluginConduct { lock.withLock { counts } }

    func open(nodeCount: Int) {
        lock.withLock {
            verdicts = Array(repeating: "gave no verdict", count: nodeCount)
            decided = Array(repeating: false, count: nodeCount)
            isOpen = true
        }
    }

    func close() { lock.withLock { isOpen = false } }

    /// Nodes never mentioned count as declined.
    func current() -> [String?] {
        lock.withLock {
            for node in decided.indices where !decided[node] { counts.record(.missingVerdict) }
            return verdicts
        }
    }

    func record(node: Int32, verdict: LiteVerdict, reason: UnsafePointer<CChar>?) {
        let (text, changes) = PluginText.read(reason)
        lock.withLock {
            if !changes.isEmpty { counts.record(.messageCleaned) }
            guard isOpen else { return counts.record(.lateVerdict) }
            guard node >= 0, Int(node) < verdicts.count else { return counts.record(.verdictOutOfRange) }
            guard !decided[Int(node)] else { return counts.record(.duplicateVerdict) }
            decided[Int(node)] = true
            switch verdict {
            case LITE_VERDICT_TAKEN:
                verdicts[Int(node)] = nil
            case LITE_VERDICT_DECLINED:
                if text.isEmpty { counts.record(.declineWithoutReason) }
                verdicts[Int(node)] = text.isEmpty ? "declined without a reason" : text
            default:
                counts.record(.unknownVerdict)
                verdicts[Int(node)] = "gave an unknown verdict \(verdict.rawValue) (counted as declined)"
            }
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
