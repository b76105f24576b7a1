// swift-tools-version:6.0
// Lite: a TensorFlow Lite interpreter in Swift whose backends are delegate plugins loaded at run time.
import PackageDescription

// Kernels stay fast in debug builds too: tests run real models through them.
let optimisedC: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

// shaderc, linked statically into the Vulkan plugin: Debian's libshaderc.so.1 does not load on its
// own (it lacks NEEDED entries for glslang and SPIRV-Tools, which Debian ships only as static
// archives). SwiftPM puts library flags before the object files, so the archive is pulled in whole,
// then its dependencies; --exclude-libs keeps their symbols out of the plugin's dynamic table.
let shadercStatic: LinkerSetting = .unsafeFlags([
    "-Xlinker", "--whole-archive", "-lshaderc_combined", "-Xlinker", "--no-whole-archive",
    "-lglslang", "-lMachineIndependent", "-lGenericCodeGen", "-lOSDependent", "-lOGLCompiler", "-lSPIRV",
    "-lSPIRV-Tools-opt", "-lSPIRV-Tools", "-lglslang-default-resource-limits", "-lstdc++",
    "-Xlinker", "--exclude-libs", "-Xlinker", "ALL",
])

let package = Package(
    name: "Lite",
    products: [
        .library(name: "LiteHost", targets: ["LiteHost"]),
        .executable(name: "lite", targets: ["LiteCLI"]),
        // The C API (Sources/LiteC/include/lite.h) as a shared library: libLiteC.so here, installed as
        // liblite.so by scripts/install.sh (a product may not share the executable's name).
        .library(name: "LiteC", type: .dynamic, targets: ["LiteC"]),
        // Delegate plugins: shared objects the host finds and dlopens; file liblite_delegate_NAME.so.
        .library(name: "lite_delegate_cpu", type: .dynamic, targets: ["CPUDelegate"]),
        .library(name: "lite_delegate_vulkan", type: .dynamic, targets: ["VulkanDelegate"]),
        .library(name: "lite_delegate_gles", type: .dynamic, targets: ["GLESDelegate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // ABI: the one public C header shared by the host and every plugin.
        .target(name: "DelegateABI", path: "Sources/DelegateABI"),

        // Host: model loading, plugin loading, partitioning, memory planning, the Interpreter API.
        .target(name: "LiteHost", dependencies: ["DelegateABI"], path: "Sources/LiteHost"),

        // C API: lite.h's functions, exported from Swift with @_cdecl over the same Interpreter.
        .target(name: "LiteC", dependencies: ["LiteHost", "LiteImageInput"], path: "Sources/LiteC", exclude: ["include"]),
        // PNG/JPEG input images (Debian's libpng and libjpeg), for `lite run --image` and the C API.
        .target(
            name: "LiteImage", path: "Sources/LiteImage", cSettings: optimisedC,
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
        // An image into an interpreter's input (Interpreter.fillInput), for the command line and the C API.
        .target(name: "LiteImageInput", dependencies: ["LiteHost", "LiteImage"], path: "Sources/LiteImageInput"),

        // Plugins: each depends on the ABI header and PluginSupport only, never on the host.
        // PluginSupport is what every plugin shares (reporting through the host's services, claim-check
        // helpers, the library entry): a plain target, so it is compiled into each plugin, symbols hidden.
        .target(
            name: "PluginSupport", dependencies: ["DelegateABI"], path: "Plugins/PluginSupport",
            cSettings: optimisedC),
        .target(
            name: "CPUDelegate", dependencies: ["DelegateABI", "PluginSupport"], path: "Plugins/CPUDelegate",
            exclude: ["tests"],
            cSettings: optimisedC, linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),
        // What the GPU delegates share: operator checks, the dispatch planner, the kernel sources
        // (shaders/, embedded by scripts/embed_shaders.py into generated/shaders.c).
        .target(
            name: "GPUShared", dependencies: ["DelegateABI", "PluginSupport"], path: "Plugins/GPUShared",
            exclude: ["shaders"], cSettings: optimisedC),
        .target(
            name: "VulkanDelegate",
            dependencies: ["DelegateABI", "PluginSupport", "GPUShared", "CVulkan", "CShaderc"],
            path: "Plugins/VulkanDelegate", exclude: ["CVulkan", "CShaderc"], cSettings: optimisedC,
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread"), .linkedLibrary("m"), shadercStatic]),
        .target(
            name: "GLESDelegate", dependencies: ["DelegateABI", "PluginSupport", "GPUShared", "CEGL", "CGLES"],
            path: "Plugins/GLESDelegate", exclude: ["CEGL", "CGLES", "tests"], cSettings: optimisedC,
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread"), .linkedLibrary("m")]),

        // System libraries (pkg-config where it helps; Debian packages as providers). CVulkan gives the
        // headers only: the plugin dlopens libvulkan.so.1, and pkg-config's -lvulkan would make it a
        // load-time dependency, so a machine without Vulkan could not even load the plugin to hear why.
        .systemLibrary(name: "CVulkan", path: "Plugins/VulkanDelegate/CVulkan", providers: [.apt(["libvulkan-dev"])]),
        .systemLibrary(
            name: "CShaderc", path: "Plugins/VulkanDelegate/CShaderc", pkgConfig: "shaderc_combined",
            providers: [.apt(["libshaderc-dev", "glslang-dev", "spirv-tools"])]),
        // EGL and OpenGL ES 3.1 headers only, like CVulkan: the GLES plugin opens libEGL/libGLESv2 at run
        // time, and pkg-config's -lEGL -lGLESv2 would make them load-time dependencies.
        .systemLibrary(name: "CEGL", path: "Plugins/GLESDelegate/CEGL", providers: [.apt(["libegl-dev"])]),
        .systemLibrary(name: "CGLES", path: "Plugins/GLESDelegate/CGLES", providers: [.apt(["libgles-dev"])]),

        // Tool: the `lite` command line.
        .executableTarget(
            name: "LiteCLI",
            dependencies: ["LiteHost", "LiteImageInput", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/LiteCLI"),

        // Tests.
        // Shared by test targets: a TFLite flatbuffer builder, fixtures and Tests/expectations.json, the
        // sample plugins, and the `lite` command run as a child process.
        .target(name: "TestSupport", dependencies: ["LiteHost"], path: "Tests/TestSupport"),
        .testTarget(name: "LiteHostTests", dependencies: ["LiteHost", "TestSupport"], path: "Tests/LiteHostTests"),
        // The GPU planner driven directly on hand-built graphs: its rewrites, memory plan, kernel params.
        .testTarget(name: "GPUPlannerTests", dependencies: ["GPUShared"], path: "Tests/GPUPlannerTests"),
        // The `lite` command run as a child process: its outputs, messages and exit codes.
        .testTarget(name: "LiteCLITests", dependencies: ["LiteHost", "TestSupport"], path: "Tests/LiteCLITests"),
    ]
)
