import DelegateABI
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An opened plugin shared object and its validated library table.
///
/// Libraries stay loaded for the life of the process (they are cached by `PluginRegistry`), so no
/// plugin object can outlive its code: the host never calls dlclose.
final class PluginLibrary: @unchecked Sendable {
    /// The file as the user or the search named it.
    let path: String
    let abiVersion: (major: UInt32, minor: UInt32)
    private(set) var backends: [Backend] = []

    /// Opens `path`, finds the entry symbol, performs the version handshake and reads the backends.
    /// - Throws: `InterpreterError` of kind `.pluginLoad` with dlerror's text or the plugin's reason.
    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InterpreterError.pluginLoad("\(path): no such file")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw InterpreterError.pluginLoad("\(path): cannot load: \(lastDLError())")
        }
        guard let symbol = dlsym(handle, LITE_PLUGIN_ENTRY_SYMBOL) else {
            // Not one of ours: this library is safe to close again, nothing of it was called.
            let reason = lastDLError()
            dlclose(handle)
            throw InterpreterError.pluginLoad(
                "\(path): not a Lite delegate plugin (missing entry symbol \(LITE_PLUGIN_ENTRY_SYMBOL): \(reason))")
        }
        let entry = unsafeBitCast(symbol, to: LitePluginEntryFn.self)
        let services = HostServices.libraryServices(for: path)
        var reason = [CChar](repeating: 0, count: 512)
        let table = entry(UInt32(LITE_ABI_VERSION_MAJOR), UInt32(LITE_ABI_VERSION_MINOR), services, &reason, reason.count)
        guard let table else {
            let text = reason.withUnsafeBytes(textBeforeNUL)
            throw InterpreterError.pluginLoad(
                "\(path): plugin refused to load: \(text.isEmpty ? "no reason given" : text)")
        }
        let size = table.pointee.struct_size
        guard size >= MemoryLayout.offset(of: \LitePluginLibrary.backends)! + MemoryLayout<UnsafeRawPointer>.size,
              size <= 1 << 16
        else {
            throw InterpreterError.pluginLoad("\(path): library table has an invalid struct_size \(size)")
        }
        abiVersion = (table.pointee.abi_version_major, table.pointee.abi_version_minor)
        guard abiVersion.major == UInt32(LITE_ABI_VERSION_MAJOR) else {
            throw InterpreterError.pluginLoad(
                "\(path): incompatible delegate ABI: plugin built for \(abiVersion.major).\(abiVersion.minor), "
                    + "host speaks \(LITE_ABI_VERSION_MAJOR).\(LITE_ABI_VERSION_MINOR)")
        }
        let count = Int(table.pointee.backend_count)
        guard count > 0, count <= 64, let list = table.pointee.backends else {
            throw InterpreterError.pluginLoad("\(path): plugin declares \(count) backends")
        }
        for index in 0..<count {
            guard let backendPointer = list[index] else {
                throw InterpreterError.pluginLoad("\(path): backend \(index) is NULL")
            }
            let backend = try Backend(library: self, pointer: backendPointer)
            guard !backends.contains(where: { $0.name == backend.name }) else {
                throw InterpreterError.pluginLoad("\(path): plugin declares two backends named '\(backend.name)'")
            }
            backends.append(backend)
        }
    }
}

/// The text before the first NUL of a fixed-size character buffer a plugin filled. Reads only within
/// the buffer, so a plugin that filled it to the end without a terminator cannot make us overrun it.
func textBeforeNUL(_ bytes: UnsafeRawBufferPointer) -> String {
    PluginText.clean(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)).text
}

func lastDLError() -> String {
    guard let message = dlerror() else { return "unknown dynamic loader error" }
    return String(cString: message)
}
