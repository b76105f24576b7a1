import ArgumentParser
import Foundation
import LiteHost

/// Options shared by the commands that build an interpreter.
struct DelegateSelection: ParsableArguments {
    @Option(name: .long, help: "Delegates in priority order (names or .so paths), overriding LITE_DELEGATES.")
    var delegates: String?

    @Option(name: .long, help: "Threads for the CPU delegate.")
    var threads: Int?

    @Option(name: .long, help: "Precision: fp32, or fp16 where a delegate offers it (the others run fp32).")
    var precision: InterpreterOptions.Precision = .fp32

    @Option(name: .customLong("option"), help: "Extra delegate option KEY=VALUE (NAME.KEY for one delegate). Repeatable.")
    var extraOptions: [String] = []

    func interpreterOptions() throws -> InterpreterOptions {
        var options = InterpreterOptions(threadCount: threads)
        if let delegates {
            options.delegates = delegates.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        options.precision = precision
        for pair in extraOptions {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CLIError("--option expects KEY=VALUE, got '\(pair)'")
            }
            options.delegateOptions[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return options
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

/// `--runs` and `--warmup`, for the commands that invoke a model repeatedly (`bench`, `profile`).
/// Each command keeps its own defaults, given by `Counts`.
struct RepeatedRuns<Counts: RepeatedRunDefaults>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("\(Counts.measured.capitalized) runs."))
    var runs: Int = Counts.runs

    @Option(name: .long, help: ArgumentHelp("Un\(Counts.measured) runs first (after the first invocation)."))
    var warmup: Int = Counts.warmup

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }
}

/// One command's defaults for `RepeatedRuns`, and what it does to the runs it counts ("timed").
protocol RepeatedRunDefaults {
    static var runs: Int { get }
    static var warmup: Int { get }
    static var measured: String { get }
}

/// A failure the CLI reports as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning any error into `lite: error: MESSAGE` on standard error and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("lite: error: \(message)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Fills every float32 input with a fixed pseudo-random pattern in [0, 1) (other types: zeros), so
/// that timings do not depend on the caller's data.
func fillInputsWithPattern(_ interpreter: Interpreter) throws {
    var seed: UInt32 = 12345
    for index in 0..<interpreter.inputTensorCount {
        let tensor = try interpreter.input(at: index)
        var bytes = Data(count: tensor.data.count)
        if tensor.dataType == .float32 {
            bytes.withUnsafeMutableBytes { raw in
                for slot in raw.bindMemory(to: Float.self).indices {
                    seed = seed &* 1_664_525 &+ 1_013_904_223
                    raw.bindMemory(to: Float.self)[slot] = Float(seed >> 8) / Float(1 << 24)
                }
            }
        }
        try interpreter.copy(bytes, toInputAt: index)
    }
}
