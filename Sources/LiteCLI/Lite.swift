import ArgumentParser
import Foundation
import LiteHost

/// `lite`: run, inspect and benchmark TFLite models through delegate plugins.
@main
struct Lite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lite",
        abstract: "Run TensorFlow Lite models through delegate plugins.",
        discussion: """
            Delegates are chosen with --delegates or LITE_DELEGATES (comma-separated names such as \
            vulkan, gles, cpu, or paths to .so files, in priority order). Plugins are found in \
            LITE_DELEGATE_PATH, then beside this executable.
            """,
        subcommands: [Run.self, Inspect.self, Delegates.self, Bench.self, Profile.self, Conformance.self])

    /// One error path for every command: whatever goes wrong (a bad argument, a failed validation, a
    /// model or plugin error) is one line, `lite: error: MESSAGE`, on standard error and exit status
    /// 1. Help and version requests print as ArgumentParser prints them.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Self.exit(withError: exit)
        } catch {
            if exitCode(for: error) == .success { Self.exit(withError: error) }
            let message = Self.message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            FileHandle.standardError.write(Data("lite: error: \(message)\n".utf8))
            Self.exit(withError: ExitCode(1))
        }
    }
}

extension InterpreterOptions.Precision: ExpressibleByArgument {}
