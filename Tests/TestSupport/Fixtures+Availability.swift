import Foundation

extension Fixtures {
    /// Whether the suites that read fixtures should run: when the fixtures exist, or when
    /// `LITE_REQUIRE_FIXTURES=1` (scripts/test.sh sets it, so that fixtures that failed to generate
    /// fail those suites instead of skipping them). On a fresh clone, `swift test` skips them.
    public static var shouldRun: Bool {
        !cases.isEmpty || ProcessInfo.processInfo.environment["LITE_REQUIRE_FIXTURES"] == "1"
    }
}
