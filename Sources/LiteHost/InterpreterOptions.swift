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

    public init(delegates: [String]? = nil, threadCount: Int? = nil) {
        self.delegates = delegates
        self.threadCount = threadCount
    }

    /// The key/value options handed to the delegate named `name`.
    func pluginOptions(for name: String, modelToken: String) -> [(String, String)] {
        var options: [String: String] = [
            "precision": precision.rawValue,
            "cache_dir": cacheDirectory ?? Self.defaultCacheDirectory(),
            "model_token": modelToken,
        ]
        if let threadCount { options["num_threads"] = String(threadCount) }
        for (key, value) in delegateOptions {
            if let dot = key.firstIndex(of: ".") {
                if key[..<dot] == name { options[String(key[key.index(after: dot)...])] = value }
            } else {
                options[key] = value
            }
        }
        return options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func defaultCacheDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/lite" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/lite"
    }
}
