import Foundation
import LiteHost

/// The `lite` executable built beside the test bundle, run as a child process: what the CLI tests
/// and the host tests that check a command's output share.
public enum LiteCommand {
    /// A scratch folder of this test process for the inputs and outputs of runs.
    public static let folder = scratchFolder("lite-cli-tests")

    /// The `lite` binary in the build folder holding this test bundle.
    public static var path: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("lite")
    }

    /// What a run printed and its exit status.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `lite arguments...` with `environment` added to this process's, to completion.
    /// - Throws: when the binary cannot be started.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Writes `array` as `folder/name` (.npy); returns the path.
    public static func write(_ array: NumpyArray, _ name: String) throws -> String {
        let path = folder + "/" + name
        try array.npyData.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// `NSTemporaryDirectory()/NAME-PID`, created: one scratch folder per test process and purpose, so
/// parallel test processes never share files.
public func scratchFolder(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
