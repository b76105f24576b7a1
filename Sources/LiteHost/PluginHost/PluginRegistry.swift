import DelegateABI
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds, opens and caches delegate plugins, and turns a delegate selection (`LITE_DELEGATES`, the
/// CLI's `--delegates`, `InterpreterOptions.delegates`) into an ordered list of backends.
///
/// Thread-safe: interpreters on different threads share the cache.
public enum PluginRegistry {
    /// Plugin file name for a delegate name: `liblite_delegate_NAME.so`.
    static func fileName(forDelegate name: String) -> String { "liblite_delegate_\(name).so" }
    static let filePrefix = "liblite_delegate_"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var libraries: [String: PluginLibrary] = [:]

    /// PREFIX/lib/lite for the prefixes /usr/local and /usr (scripts/install.sh's layout).
    static let installedFolders = ["/usr/local/lib/lite", "/usr/lib/lite"]

    /// Folders searched for plugins by name, in order: `LITE_DELEGATE_PATH` (colon-separated), the
    /// folder of the running executable, the folder of the image that holds LiteHost (liblite.so for C
    /// and Python apps), then the installed folders.
    public static func searchFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var folders: [String] = []
        if let path = environment["LITE_DELEGATE_PATH"] {
            folders += path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append((executable as NSString).deletingLastPathComponent)
        }
        // dladdr names the main executable as argv[0] said it, possibly relative to a directory the
        // process never was in: only an absolute path names a folder we can trust.
        if let imagePath = imagePath(containing: #dsohandle), imagePath.hasPrefix("/") {
            folders.append((imagePath as NSString).deletingLastPathComponent)
        }
        // Where scripts/install.sh puts the plugins for the usual prefixes: apps that link the host
        // statically (Swift packages) find an installed set with no environment variable.
        folders += installedFolders
        // Absolute, so that the existence check and dlopen see the same file (dlopen of a bare name
        // would search the library path instead).
        let current = FileManager.default.currentDirectoryPath
        var seen = Set<String>()
        return folders.map { $0.hasPrefix("/") ? $0 : (current as NSString).appendingPathComponent($0) }
            .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            .filter { seen.insert($0).inserted }
    }

    /// The file of the loaded image that contains `address`, through glibc's dladdr (which Swift's
    /// Glibc module does not export, so it is looked up and called with its documented layout).
    private static func imagePath(containing address: UnsafeRawPointer) -> String? {
        struct DLInfo {
            var fileName: UnsafePointer<CChar>? = nil
            var fileBase: UnsafeMutableRawPointer? = nil
            var symbolName: UnsafePointer<CChar>? = nil
            var symbolAddress: UnsafeMutableRawPointer? = nil
        }
        typealias DLAddr = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dladdr") else { return nil }
        var info = DLInfo()
        let found = withUnsafeMutableBytes(of: &info) { unsafeBitCast(symbol, to: DLAddr.self)(address, $0.baseAddress) }
        guard found != 0, let name = info.fileName else { return nil }
        return String(cString: name)
    }

    /// Opens (once per process) the plugin library at `path`.
    /// A relative path is taken from the current directory, never from the dynamic loader's search
    /// path.
    static func library(at given: String) throws -> PluginLibrary {
        let path = given.hasPrefix("/") ? given : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(given)
        let key = (path as NSString).standardizingPath
        lock.lock()
        defer { lock.unlock() }
        if let cached = libraries[key] { return cached }
        let library = try PluginLibrary(path: path)
        libraries[key] = library
        return library
    }

    /// The backends for a selection, in priority order, each with its device checked.
    ///
    /// - Parameter requested: delegate names or .so paths; nil means `LITE_DELEGATES`, and when that is
    ///   unset or empty, every plugin found (GPU backends first, CPU last).
    /// - Returns: the backends, and warnings about default plugins that were skipped.
    /// - Throws: `.pluginLoad` naming the plugin and the reason, for anything the user asked for by name.
    static func resolve(requested: [String]?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (backends: [Backend], warnings: [String])
    {
        let explicit = requested ?? environment["LITE_DELEGATES"].map(parseList)
        if let explicit, !explicit.isEmpty {
            var chosen = BackendSelection()
            for entry in explicit {
                let byName = !isPath(entry)
                for backend in try backendsForEntry(entry, environment: environment) {
                    if case .failure(let error) = backend.probeDevice() { throw error }
                    try chosen.add(backend, askedByName: byName)
                }
            }
            return (chosen.backends, chosen.warnings)
        }
        var chosen = BackendSelection()
        var warnings: [String] = []
        for path in discoverPluginFiles(environment: environment) {
            do {
                for backend in try library(at: path).backends {
                    switch backend.probeDevice() {
                    case .success(let device) where device.isSoftwareEmulation:
                        // Expected on machines without a GPU, so not a warning: the CPU path is faster.
                        HostLog.write(
                            LITE_LOG_INFO, "host",
                            "not using delegate '\(backend.name)' by default: its device is a GPU emulated on the CPU "
                                + "(\(device.description)); name it in LITE_DELEGATES to use it")
                    case .success: try chosen.add(backend, askedByName: false)
                    case .failure(let error): warnings.append("skipping \(error.message)")
                    }
                }
            } catch let error as InterpreterError {
                warnings.append("skipping plugin: \(error.message)")
            }
        }
        var backends = chosen.backends
        backends.sort { $0.defaultRank < $1.defaultRank }  // stable: discovery order within a kind
        return (backends, warnings + chosen.warnings)
    }

    /// The backends chosen so far, keeping names unique: a plugin never silently replaces another.
    private struct BackendSelection {
        private(set) var backends: [Backend] = []
        private var askedByName: [Bool] = []
        private(set) var warnings: [String] = []

        /// Adds `backend` unless one of that name is already chosen: the same backend listed again
        /// is skipped; another library's backend of the same name is an error naming both files
        /// when either was asked for by name, and a warning (the first one kept) otherwise.
        mutating func add(_ backend: Backend, askedByName byName: Bool) throws {
            guard let index = backends.firstIndex(where: { $0.name == backend.name }) else {
                backends.append(backend)
                askedByName.append(byName)
                return
            }
            let first = backends[index]
            if first.pointer == backend.pointer {
                askedByName[index] = askedByName[index] || byName
                return
            }
            let files = "\(first.library.path) and \(backend.library.path)"
            if byName || askedByName[index] {
                throw InterpreterError.pluginLoad(
                    "delegate '\(backend.name)' is ambiguous: two plugins provide a backend of that name (\(files)); "
                        + "give the one you mean as a path, or rename one")
            }
            warnings.append(
                "two plugins provide a backend named '\(backend.name)' (\(files)): using the first, ignoring \(backend.library.path)")
        }
    }

    private static func isPath(_ entry: String) -> Bool { entry.contains("/") || entry.hasSuffix(".so") }

    /// Every plugin library found in the search folders, first folder first.
    public static func discoverPluginFiles(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var found: [String] = []
        var names = Set<String>()
        for folder in searchFolders(environment: environment) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() where file.hasPrefix(filePrefix) && file.hasSuffix(".so") {
                if names.insert(file).inserted { found.append((folder as NSString).appendingPathComponent(file)) }
            }
        }
        return found
    }

    /// What `survey` and `describe(path:)` report of one plugin file.
    public typealias PluginReport = (
        path: String, backends: [(info: BackendDescription, device: Result<String, InterpreterError>)], error: InterpreterError?
    )

    /// Describes every plugin found (for `lite delegates`): each backend with its device, or the error
    /// that kept the library from loading.
    public static func survey(environment: [String: String] = ProcessInfo.processInfo.environment) -> [PluginReport] {
        discoverPluginFiles(environment: environment).map(describe(path:))
    }

    /// Loads the plugin at `path` (any file name) and describes its backends with their devices, or
    /// the error that kept it from loading.
    public static func describe(path: String) -> PluginReport {
        do {
            let library = try library(at: path)
            return (path, library.backends.map { backend in
                let device = backend.probeDevice().map {
                    $0.isSoftwareEmulation ? $0.description + " [software emulation: used only when named]" : $0.description
                }
                return (backend.info, device)
            }, nil)
        } catch let error as InterpreterError {
            return (path, [], error)
        } catch {
            return (path, [], InterpreterError.pluginLoad("\(path): \(error)"))
        }
    }

    static func parseList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func backendsForEntry(_ entry: String, environment: [String: String]) throws -> [Backend] {
        if isPath(entry) {
            return try library(at: entry).backends
        }
        guard entry.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw InterpreterError.pluginLoad("delegate '\(entry)': not a valid delegate name or path")
        }
        let file = fileName(forDelegate: entry)
        let folders = searchFolders(environment: environment)
        guard let path = folders.map({ ($0 as NSString).appendingPathComponent(file) })
            .first(where: { FileManager.default.fileExists(atPath: $0) })
        else {
            throw InterpreterError.pluginLoad(
                "delegate '\(entry)': unknown delegate: no \(file) in \(folders.joined(separator: ", ")) "
                    + "(set LITE_DELEGATE_PATH or give a path to the .so)")
        }
        let library: PluginLibrary
        do {
            library = try Self.library(at: path)
        } catch let error as InterpreterError {
            throw InterpreterError.pluginLoad("delegate '\(entry)': \(error.message)")
        }
        let matching = library.backends.filter { $0.name == entry }
        guard !matching.isEmpty else {
            throw InterpreterError.pluginLoad(
                "delegate '\(entry)': \(path) provides \(library.backends.map(\.name).joined(separator: ", ")), not '\(entry)'")
        }
        return matching
    }
}
