import DelegateABI
import Foundation

/// Where plugin log lines and host warnings go: standard error, filtered by `LITE_LOG_LEVEL`
/// (debug, info, warning — the default — or error).
enum HostLog {
    static let threshold: UInt32 = {
        switch ProcessInfo.processInfo.environment["LITE_LOG_LEVEL"]?.lowercased() {
        case "debug": return LITE_LOG_DEBUG.rawValue
        case "info": return LITE_LOG_INFO.rawValue
        case "error": return LITE_LOG_ERROR.rawValue
        default: return LITE_LOG_WARNING.rawValue
        }
    }()

    static func write(_ level: LiteLogLevel, _ source: String, _ message: String) {
        guard level.rawValue >= threshold else { return }
        let label: String
        switch level {
        case LITE_LOG_DEBUG: label = "debug"
        case LITE_LOG_INFO: label = "info"
        case LITE_LOG_WARNING: label = "warning"
        default: label = "error"
        }
        FileHandle.standardError.write(Data("lite: \(label): \(source): \(message)\n".utf8))
    }

    static func warning(_ message: String) { write(LITE_LOG_WARNING, "host", message) }
}

/// The host-services tables handed to plugins, and the context objects behind them.
///
/// A `ServiceContext` is retained by the owner of the table (a library or a delegate instance) for at
/// least as long as the plugin may call it; `host_context` is an unretained pointer to it.
final class ServiceContext: @unchecked Sendable {
    let source: String
    private let lock = NSLock()
    private var lastError: (status: LiteStatus, message: String)?
    /// Heap copy of the table: its address is what the plugin keeps.
    private(set) var table: UnsafeMutablePointer<LiteHostServices>!
    /// Profile events of the invoke in progress; nil in tables that take none (a library's entry).
    let profile: ProfileCollector?

    init(source: String, acceptsProfileEvents: Bool = false) {
        profile = acceptsProfileEvents ? ProfileCollector() : nil
        self.source = source
        table = .allocate(capacity: 1)
        table.initialize(to: LiteHostServices(
            struct_size: MemoryLayout<LiteHostServices>.size,
            abi_version_major: UInt32(LITE_ABI_VERSION_MAJOR),
            abi_version_minor: UInt32(LITE_ABI_VERSION_MINOR),
            host_context: Unmanaged.passUnretained(self).toOpaque(),
            log: { context, level, message in
                guard let context, let message else { return }
                let this = Unmanaged<ServiceContext>.fromOpaque(context).takeUnretainedValue()
                let (text, changes) = PluginText.read(message)
                this.noteCleaning(changes)
                HostLog.write(level, this.source, text)
            },
            report_error: { context, status, message in
                guard let context else { return }
                let this = Unmanaged<ServiceContext>.fromOpaque(context).takeUnretainedValue()
                let (text, changes) = PluginText.read(message)
                this.noteCleaning(changes)
                this.record(status, text)
            },
            profile_event: acceptsProfileEvents ? { context, event in
                guard let context, let event else { return }
                Unmanaged<ServiceContext>.fromOpaque(context).takeUnretainedValue().profile?.record(event)
            } : nil))
    }

    deinit { table.deallocate() }

    /// Plugin messages the host had to cut or strip of control characters (PluginText).
    var cleanedMessageCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return cleaned
    }
    private var cleaned = 0

    fileprivate func noteCleaning(_ changes: PluginText.Changes) {
        guard !changes.isEmpty else { return }
        lock.lock()
        cleaned += 1
        lock.unlock()
    }

    private func record(_ status: LiteStatus, _ message: String) {
        lock.lock()
        lastError = (status, message)
        lock.unlock()
    }

    /// Clears and returns the error reported since the last call.
    func takeError() -> (status: LiteStatus, message: String)? {
        lock.lock()
        defer { lock.unlock() }
        let error = lastError
        lastError = nil
        return error
    }
}

enum HostServices {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var libraryContexts: [String: ServiceContext] = [:]

    /// The logging-only services given to a library's entry function; kept for the process lifetime
    /// like the library itself.
    static func libraryServices(for path: String) -> UnsafePointer<LiteHostServices> {
        lock.lock()
        defer { lock.unlock() }
        if let existing = libraryContexts[path] { return UnsafePointer(existing.table) }
        let context = ServiceContext(source: (path as NSString).lastPathComponent)
        libraryContexts[path] = context
        return UnsafePointer(context.table)
    }
}
