import Foundation

/// The one JSON encoding of the host's Codable reports (the partition plan, `lite inspect --json`,
/// `lite conformance --json`): snake_case keys, sorted, slashes unescaped, non-finite numbers as the
/// strings "inf", "-inf" and "nan".
public enum ReportJSON {
    /// - Parameters:
    ///   - value: the report.
    ///   - pretty: indented, one key a line (the command line), or compact (the C API).
    /// - Returns: the JSON text.
    /// - Throws: `EncodingError` when `value`'s encoding fails.
    public static func text(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
