import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Operator names and codes come from one table, `lite_operators.h` (generated from TFLite's schema
/// by scripts/gen_operators.py; scripts/test.sh checks it is up to date).
@Suite("Operator table")
struct OperatorTableTests {
    @Test("every LITE_OP_* of the ABI header has the value the schema table gives its name")
    func abiEnumMatchesTable() throws {
        let header = try String(contentsOfFile: SamplePlugins.repository + "/Sources/DelegateABI/include/lite_delegate.h", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"LITE_OP_([A-Z0-9_]+) = (\d+),"#)
        let matches = pattern.matches(in: header, range: NSRange(header.startIndex..., in: header))
        #expect(matches.count >= 40)
        for match in matches {
            let name = String(header[Range(match.range(at: 1), in: header)!])
            let code = Int32(header[Range(match.range(at: 2), in: header)!])!
            #expect(operatorName(code: code, customName: nil) == name, "LITE_OP_\(name) = \(code)")
        }
    }

    @Test("names for builtins, custom operators and values past the table")
    func names() {
        #expect(operatorName(code: LITE_BUILTIN_LOG_SOFTMAX, customName: nil) == "LOG_SOFTMAX")
        #expect(operatorName(code: LITE_BUILTIN_CUSTOM, customName: "Convolution2DTransposeBias") == "Convolution2DTransposeBias")
        #expect(operatorName(code: Int32(LITE_BUILTIN_OPERATOR_COUNT), customName: nil) == "BUILTIN_\(LITE_BUILTIN_OPERATOR_COUNT)")
        #expect(operatorName(code: -1, customName: nil) == "BUILTIN_-1")
    }
}
