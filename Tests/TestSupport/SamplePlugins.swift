import Foundation

/// Builds variants of the plain-C sample plugin (Examples/SampleDelegate) with `cc` from the ABI
/// header alone, once per test process.
public enum SamplePlugins {
    /// The repository's root, found from this source file's path.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// A scratch folder of this test process for built plugins and written models.
    public static let folder = scratchFolder("lite-plugin-tests")

    /// Serialises builds: tests run in parallel, and one must never load a file another is writing.
    private static let buildLock = NSLock()

    /// Compiles `source` (default: the sample plugin) into `folder/file` with extra `flags`.
    public static func build(_ file: String, flags: [String] = [], source: String? = nil) throws -> String {
        buildLock.lock()
        defer { buildLock.unlock() }
        let output = folder + "/" + file
        if FileManager.default.fileExists(atPath: output) { return output }
        // Written under another name and renamed, so the final path only ever holds a whole file.
        let partial = output + ".partial"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-Wall", "-Werror", "-I", repository + "/Sources/DelegateABI/include"]
            + flags + [source ?? repository + "/Examples/SampleDelegate/sample_delegate.c", "-o", partial]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CompileError(file: file) }
        try FileManager.default.moveItem(atPath: partial, toPath: output)
        return output
    }

    public struct CompileError: Error { public let file: String }

    /// The sample plugin as it ships.
    public static var sample: String { get throws { try build("liblite_delegate_sample.so") } }
}
