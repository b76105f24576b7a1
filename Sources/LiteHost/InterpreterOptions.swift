import Foundation

/// How an `Interpreter` chooses and configures its delegates.
public struct InterpreterOptions: Sendable {
    /// Numeric precision a delegate may compute in.
    public enum Precision: String, Sendable, CaseIterable {
        case fp32
        /// float16 storage with float32 accumulation, on delegates that offer it.
        case fp16
    }

    /// Delegate names or .so paths in priority order. nil: `LITE_DELEGATES`, and when that is unset,
    /// every plugin found with GPU backends first and the CPU last.
    public var delegates: [String]?
    /// Threads a CPU delegate may use (nil: the delegate's default).
    public var threadCount: Int?
    public var precision: Precision = .fp32
    /// Folder for compiled-kernel caches (nil: `$XDG_CACHE_HOME/lite` or `~/.cache/lite`).
    public var cacheDirectory: String?
    /// Extra delegate options: a plain key goes to every delegate, `name.key` only to delegate `name`
    /// (as `key`). They override the options above.
    public var delegateOptions: [String: String] = [:]
    /// Whether the load-time graph optimiser runs (constant folding, dilated convolutions, dead
    /// nodes, shared constants; see docs/optimizer.md). Off, delegates see the model's own graph.
    public var optimizesGraph = true
    /// Partition policies by delegate name, over the defaults (`PartitionPolicy.defaults(forKind:)`).
    /// The options `min_partition_nodes` and `max_partitions` (plain or `name.`) override them.
    public var partitionPolicies: [String: PartitionPolicy] = [:]
    /// Profile every invoke: the host times partitions and its own work, and delegates of ABI 1.3 or
    /// later (asked with the option `profile=1`) report their kernels; see `Interpreter.lastProfile`.
    public var profiling = false

    public init(delegates: [String]? = nil, threadCount: Int? = nil) {
        self.delegates = delegates
        self.threadCount = threadCount
    }

    /// Option keys the host keeps for itself (partition policies): never passed to a plugin.
    static let hostKeys: Set<String> = ["min_partition_nodes", "max_partitions"]

    /// The key/value options handed to `backend`. `precision` reaches it only with a value its
    /// precision mask declares: a backend without fp16 is not asked for fp16 and runs fp32.
    func pluginOptions(for backend: BackendDescription, modelToken: String) -> [(String, String)] {
        var options: [String: String] = [
            "precision": precision.rawValue,
            "cache_dir": cacheDirectory ?? Self.defaultCacheDirectory(),
            "model_token": modelToken,
        ]
        if let threadCount { options["num_threads"] = String(threadCount) }
        options.merge(delegateOptions(for: backend.name)) { $1 }
        for key in Self.hostKeys { options[key] = nil }
        // The one rule for what precision a backend is asked for, so the plan reports what was sent.
        options["precision"] = precision(for: backend)
        // Only plugins that know the key hear it (an older one would warn about an unknown option).
        if profiling, backend.abiMinorVersion >= 3 { options["profile"] = "1" }
        return options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The precision `backend` is asked for, or nil when it does not offer the requested one.
    func precision(for backend: BackendDescription) -> String? {
        let requested = delegateOptions(for: backend.name)["precision"] ?? precision.rawValue
        return backend.offers(precision: requested) ? requested : nil
    }

    /// `delegateOptions` as they apply to delegate `name`: plain keys, then `name.` keys over them.
    private func delegateOptions(for name: String) -> [String: String] {
        var plain: [String: String] = [:], named: [String: String] = [:]
        for (key, value) in delegateOptions {
            if let dot = key.firstIndex(of: ".") {
                if key[..<dot] == name { named[String(key[key.index(after: dot)...])] = value }
            } else {
                plain[key] = value
            }
        }
        return plain.merging(named) { $1 }
    }

    /// The partition policy for `backend`: its kind's defaults, `partitionPolicies[name]`, then the
    /// `min_partition_nodes` / `max_partitions` options.
    /// - Throws: `.invalidArgument` for a value that is not a positive integer.
    func partitionPolicy(for backend: BackendDescription) throws -> PartitionPolicy {
        var policy = partitionPolicies[backend.name] ?? PartitionPolicy.defaults(forKind: backend.kind)
        let options = delegateOptions(for: backend.name)
        func positive(_ key: String) throws -> Int? {
            guard let text = options[key] else { return nil }
            guard let value = Int(text), value >= 1 else {
                throw InterpreterError.invalidArgument(
                    "option \(key) for delegate '\(backend.name)': expected an integer of at least 1, got '\(text)'")
            }
            return value
        }
        if let minimum = try positive("min_partition_nodes") { policy.minimumNodes = minimum }
        if let maximum = try positive("max_partitions") { policy.maximumPartitions = maximum }
        return policy
    }

    static func defaultCacheDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/lite" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/lite"
    }
}

/// What the host asks of one delegate's partitions before it creates them. A partition that breaks
/// the policy goes, node for node, to the next delegate in priority order that takes its nodes; when
/// one of its nodes has no other taker, it stays (a policy never makes a model fail), and the plan
/// says so.
public struct PartitionPolicy: Sendable, Equatable {
    /// Partitions with fewer nodes are passed on, unless the partition is the whole graph (no copy
    /// to another delegate then). 1 keeps every partition.
    public var minimumNodes: Int
    /// At most this many partitions, the largest by node count (the earliest on a tie); nil: no limit.
    public var maximumPartitions: Int?

    public init(minimumNodes: Int = 1, maximumPartitions: Int? = nil) {
        self.minimumNodes = minimumNodes
        self.maximumPartitions = maximumPartitions
    }

    /// The defaults by backend kind ("cpu", "gpu", "accelerator"): a GPU or accelerator partition of
    /// a single node, with a copy on each side, is rarely worth its launch and transfer, so those
    /// kinds need two nodes; the CPU keeps everything.
    public static func defaults(forKind kind: String) -> PartitionPolicy {
        kind == "cpu" ? PartitionPolicy() : PartitionPolicy(minimumNodes: 2)
    }

    /// "min_partition_nodes=2, max_partitions=1" (only what differs from keeping everything).
    public var description: String {
        var parts: [String] = []
        if minimumNodes > 1 { parts.append("min_partition_nodes=\(minimumNodes)") }
        if let maximumPartitions { parts.append("max_partitions=\(maximumPartitions)") }
        return parts.isEmpty ? "keep every partition" : parts.joined(separator: ", ")
    }
}
