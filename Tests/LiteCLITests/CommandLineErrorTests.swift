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
        ["profile", "/nonexistent.tflite", "--trace", "/tmp/t.json"],  // a model error
        ["run", "model.tflite", "--image", "a.png", "--input", "b.npy", "--output-dir", "/tmp/o"],  // --image with --input
        ["run", "model.tflite", "--image", "a.png", "--mean", "1", "--output-dir", "/tmp/o"],  // --mean without --std
        ["run", "model.tflite", "--image", "a.png", "--range", "0,2", "--output-dir", "/tmp/o"],  // not a range
        ["run", "/nonexistent.tflite", "--image", "a.png", "--output-dir", "/tmp/o"],  // a model error
    ]

    @Test("wrong calls: one line, exit 1", arguments: 1..<14)
    func wrongCall(_ index: Int) throws {
        let result = try LiteCommand.run(Self.wrongCalls[index])
        #expect(result.status == 1, "\(Self.wrongCalls[index]): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(Self.wrongCalls[index]): \(result.stderr)")
        #expect(result.stderr.hasPrefix("lite: error: "), "\(result.stderr)")
    }

    @Test("help is not an error")
    func help() throws {
        let result = try LiteCommand.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE"))
    }
}
