import ArgumentParser

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
        subcommands: [Run.self, Inspect.self, Delegates.self, Bench.self, Conformance.self])
}
