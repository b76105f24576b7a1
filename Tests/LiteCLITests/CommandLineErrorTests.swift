import Foundation
import Testing
import TestSupport

/// Every way to call `lite` wrongly ends the same way: one line on standard error, exit status 1.
@Suite("lite: one error path")
struct CommandLineErrorTests {
    static let wrongCalls: [[String]] = [
        [],  // no subcommand: prints help, exit 0 (checked below)
        ["run"],  // missing argument
        ["run", "model.tflite", "--bogus"],  // unknown option
        ["bench", "model.tflite", "--threads", "0"],  // validate()
        ["inspect", "model.tflite", "--precision", "fp8"],  // not a precision
        ["inspect", "/nonexistent.tflite"],  // run(): a model error
        ["inspect", "/nonexistent.tflite", "--option", "novalue"],  // run(): an option error
        ["nosuchcommand"],
        ["profile", "model.tflite", "--runs", "0"],  // validate()
        ["bench", "model.tflite", "--warmup", "-1"],  // validate()
        ["profile", "/nonexistent.tflite", "--trace", "/tmp/t.json"],  // a model error
        ["run", "model.tflite", "--image", "a.png", "--input", "b.npy", "--output-dir", "/tmp/o"],  // --image with --input
        ["run", "model.tflite", "--image", "a.png", "--mean", "1", "--output-dir", "/tmp/o"],  // --mean without --std
        ["run", "model.tflite", "--image", "a.png", "--range", "0,2", "--output-dir", "/tmp/o"],  // not a range
        ["run", "/nonexistent.tflite", "--image", "a.png", "--output-dir", "/tmp/o"],  // a model error
    ]

    @Test("wrong calls: one line, exit 1", arguments: 1..<15)
    func wrongCall(_ index: Int) throws {
        let result = try LiteCommand.run(Self.wrongCalls[index])
        #expect(result.status == 1, "\(Self.wrongCalls[index]): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(Self.wrongCalls[index]): \(result.stderr)")
        #expect(result.stderr.hasPrefix("lite: error: "), "\(result.stderr)")
    }

    @Test("bench and profile share --runs and --warmup, each with its own defaults", arguments: [
        ("bench", "--runs <runs> Timed runs. (default: 50)",
         "--warmup <warmup> Untimed runs first (after the first invocation). (default: 5)"),
        ("profile", "--runs <runs> Profiled runs. (default: 20)",
         "--warmup <warmup> Unprofiled runs first (after the first invocation). (default: 3)"),
    ])
    func repeatedRunDefaults(_ command: String, runs: String, warmup: String) throws {
        let result = try LiteCommand.run([command, "--help"])
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(result.status == 0)
        #expect(help.contains(runs), "\(result.stdout)")
        #expect(help.contains(warmup), "\(result.stdout)")
    }

    @Test("help is not an error")
    func help() throws {
        let result = try LiteCommand.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE"))
    }
}
