import Foundation

/// Counts of what a plugin did against the ABI's rules. The host survives each of them (see
/// `DelegateInstance`); it reports them as one warning per delegate, and under `LITE_VALIDATE=1`
/// (a strict mode for plugin authors, like Vulkan's validation layers) as an error naming every rule.
struct PluginConduct: Sendable, Equatable {
    enum Rule: String, CaseIterable, Sendable {
        case verdictOutOfRange = "verdicts for nodes outside the graph (ignored)"
        case duplicateVerdict = "second verdicts for one node (the first stands)"
        case lateVerdict = "verdicts after claim_nodes returned (ignored)"
        case unknownVerdict = "verdicts that are neither TAKEN nor DECLINED (counted as declined)"
        case undeclaredOperator = "nodes taken whose operator the capability report does not declare (refused)"
        case nullObject = "calls that returned OK without the object they create"
        case unknownStatus = "status values the ABI does not define (treated as errors)"
        case failureWithoutReason = "failed calls that reported no reason"
        // Allowed by the ABI, reported only in strict mode.
        case missingVerdict = "nodes without a verdict (counted as declined)"
        case declineWithoutReason = "declines without a reason"
        case messageCleaned = "messages cut to 512 characters or stripped of control characters"

        /// Rules whose breach the ABI allows (the host handles them as documented); only the strict
        /// mode names them.
        var isStrictOnly: Bool { [.missingVerdict, .declineWithoutReason, .messageCleaned].contains(self) }
    }

    private(set) var counts: [Rule: Int] = [:]

    mutating func record(_ rule: Rule) { counts[rule, default: 0] += 1 }

    mutating func count(_ rule: Rule, _ amount: Int) {
        if amount > 0 { counts[rule, default: 0] += amount }
    }

    mutating func merge(_ other: PluginConduct) {
        for (rule, count) in other.counts { counts[rule, default: 0] += count }
    }

    /// "3 verdicts for nodes outside the graph (ignored), 1 second verdict ..." for the rules that
    /// count in this mode, in the order of `Rule`; nil when none was broken.
    func summary(strict: Bool) -> String? {
        let parts = Rule.allCases.compactMap { rule -> String? in
            guard let count = counts[rule], strict || !rule.isStrictOnly else { return nil }
            return "\(count) \(rule.rawValue)"
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// Counts that grew since `earlier`.
    func since(_ earlier: PluginConduct) -> PluginConduct {
        var delta = PluginConduct()
        for (rule, count) in counts where count > earlier.counts[rule, default: 0] {
            delta.counts[rule] = count - earlier.counts[rule, default: 0]
        }
        return delta
    }
}

/// The strict mode for plugin authors: `LITE_VALIDATE=1` (or `true`, `yes`, `on`).
enum PluginValidation {
    static var isStrict: Bool {
        ["1", "true", "yes", "on"].contains(ProcessInfo.processInfo.environment["LITE_VALIDATE"]?.lowercased() ?? "")
    }
}
