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
                if json {
                    try printJSON(PluginRegistry.surveyReport())
                    return
                }
                let survey = PluginRegistry.survey()
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
