import Foundation

extension PluginRegistry {
    /// Every plugin found with its backends and devices, as a JSON-ready object: "search_path" and
    /// "plugins" (each "path", "error" if it did not load, and "backends"). What `lite delegates --json`
    /// prints and the C API's `lite_delegates_json` returns.
    public static func surveyReport(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: Any] {
        [
            "search_path": searchFolders(environment: environment),
            "plugins": survey(environment: environment).map { entry -> [String: Any] in
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
        ]
    }
}
