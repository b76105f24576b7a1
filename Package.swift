// swift-tools-version:6.0
// Lite: a TensorFlow Lite interpreter in Swift whose backends are delegate plugins loaded at run time.
import PackageDescription

// Kernels stay fast in debug builds too: tests run real models through them.
let optimisedC: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "Lite",
    products: [
        .library(name: "LiteHost", targets: ["LiteHost"]),
        .executable(name: "lite", targets: ["LiteCLI"]),
        // Delegate plugins: shared objects the host finds and dlopens; file liblite_delegate_NAME.so.
        .library(name: "lite_delegate_cpu", type: .dynamic, targets: ["CPUDelegate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // ABI: the one public C header shared by the host and every plugin.
        .target(name: "DelegateABI", path: "Sources/DelegateABI"),

        // Host: model loading, plugin loading, partitioning, memory planning, the Interpreter API.
        .target(name: "LiteHost", dependencies: ["DelegateABI"], path: "Sources/LiteHost"),

        // Plugins: each depends on the ABI header only, never on the host.
        .target(
            name: "CPUDelegate", dependencies: ["DelegateABI"], path: "Plugins/CPUDelegate",
            cSettings: optimisedC, linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),

        // Tool: the `lite` command line.
        .executableTarget(
            name: "LiteCLI",
            dependencies: ["LiteHost", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/LiteCLI"),

        // Tests.
        // Shared by test targets: a TFLite flatbuffer builder and fixture locations.
        .target(name: "TestSupport", dependencies: ["LiteHost"], path: "Tests/TestSupport"),
        .testTarget(name: "LiteHostTests", dependencies: ["LiteHost", "TestSupport"], path: "Tests/LiteHostTests"),
    ]
)
