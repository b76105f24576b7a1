import ArgumentParser
import Foundation
import LiteHost

#if canImport(Glibc)
import Glibc
#endif

extension Lite {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time model initialisation and inference.",
            discussion: "Inputs are filled with a fixed pseudo-random pattern in [0, 1).")

        @Argument(help: "The .tflite model.")
        var model: String

        /// More runs than profile's, whose runs each record every kernel's events.
        enum Counts: RepeatedRunDefaults { static let runs = 50, warmup = 5, measured = "timed" }
        @OptionGroup var counts: RepeatedRuns<Counts>

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @OptionGroup var selection: DelegateSelection

        func run() throws {
            try reportingErrors {
                let options = try selection.interpreterOptions()
                let start = DispatchTime.now()
                let interpreter = try Interpreter(modelPath: model, options: options)
                try interpreter.allocateTensors()
                let initMs = milliseconds(since: start)
                try fillInputsWithPattern(interpreter)
                let firstStart = DispatchTime.now()
                try interpreter.invoke()
                let firstMs = milliseconds(since: firstStart)
                for _ in 0..<counts.warmup { try interpreter.invoke() }
                var times: [Double] = []
                for _ in 0..<counts.runs {
                    let runStart = DispatchTime.now()
                    try interpreter.invoke()
                    times.append(milliseconds(since: runStart))
                }
                times.sort()
                let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
                let p90 = times[min(times.count - 1, Int((Double(times.count) * 0.9).rounded(.up)) - 1)]
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                let peakMB = Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes.
                let plan = interpreter.partitionPlan
                if json {
                    try printJSON([
                        "model": model, "delegates": plan.delegates, "partitions": plan.partitions.count,
                        "threads": selection.threads ?? 0, "runs": counts.runs, "warmup": counts.warmup,
                        "init_ms": initMs, "first_ms": firstMs, "median_ms": median, "min_ms": times[0], "p90_ms": p90,
                        "peak_rss_mb": peakMB,
                    ] as [String: Any])
                } else {
                    print("model: \(model)")
                    print("delegates: \(plan.delegates.joined(separator: ", ")) (\(plan.partitions.count) partitions)")
                    print(String(format: "init: %.2f ms, first invocation: %.2f ms", initMs, firstMs))
                    print(String(format: "%d runs: median %.3f ms, min %.3f ms, p90 %.3f ms", counts.runs, median, times[0], p90))
                    print(String(format: "peak RSS: %.1f MB", peakMB))
                }
            }
        }

        private func milliseconds(since start: DispatchTime) -> Double {
            Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        }
    }
}
