import ArgumentParser
import Foundation
import LiteHost

extension Lite {
    struct Delegates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the delegate plugins found, their ABI version, device and operators.")

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                let survey = PluginRegistry.survey()
                if json {
                    try printJSON([
                        "search_path": PluginRegistry.searchFolders(),
                        "plugins": survey.map { entry -> [String: Any] in
                            var object: [String: Any] = ["path": entry.path]
                            if let error = entry.error { object["error"] = error.message }
                            object["backends"] = entry.backends.map { backend -> [String: Any] in
                                let info = backend.info
                                var value: [String: Any] = [
                                    "name": info.name, "vendor": info.vendor, "version": info.version, "kind": info.kind,
                                    "abi_version": info.abiVersion, "threading": info.threading,
                                    "data_types": info.dataTypes, "precisions": info.precisions,
                                    "operators": info.operators.map {
                                        ["name": $0.name, "min_version": $0.versions.lowerBound, "max_version": $0.versions.upperBound]
                                    },
                                    "custom_operators": info.customOperators,
                                ]
                                switch backend.device {
                                case .success(let device): value["available"] = true; value["device"] = device
                                case .failure(let error): value["available"] = false; value["unavailable_reason"] = error.message
                                }
                                return value
                            }
                            return object
                        },
                    ] as [String: Any])
                    return
                }
                print("Search path: \(PluginRegistry.searchFolders().joined(separator: ":"))")
                if survey.isEmpty { print("No delegate plugins found.") }
                for entry in survey {
                    if let error = entry.error {
                        print("\(entry.path): cannot load: \(error.message)")
                        continue
                    }
                    for backend in entry.backends {
                        let info = backend.info
                        print("\(info.name) \(info.version) [\(info.kind)] \(entry.path)")
                        print("  ABI \(info.abiVersion), vendor \(info.vendor), threading \(info.threading), "
                            + "precisions \(info.precisions.joined(separator: "/")), types \(info.dataTypes.joined(separator: "/"))")
                        switch backend.device {
                        case .success(let device): print("  device: \(device)")
                        case .failure(let error): print("  unavailable: \(error.message)")
                        }
                        let ops = info.operators.map { "\($0.name)(v\($0.versions.lowerBound)-\($0.versions.upperBound))" }
                        print("  operators: \((ops + info.customOperators).joined(separator: " "))")
                    }
                }
            }
        }
    }
}
