// swift-tools-version:6.0
// A Swift app that hosts Lite: it depends on the LiteHost library only. The delegate plugins are
// separate products, built beside the app (`swift build --product lite_delegate_cpu`, ...) and found
// at run time in the app's own folder, never linked into it.
import PackageDescription

let package = Package(
    name: "SwiftApp",
    dependencies: [.package(name: "Lite", path: "../..")],
    targets: [
        .executableTarget(name: "SwiftApp", dependencies: [.product(name: "LiteHost", package: "Lite")]),
    ]
)
