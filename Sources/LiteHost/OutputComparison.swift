/// How outputs are compared with the reference runtime's, in the tests and in `lite conformance`:
/// one rule, so a plugin author sees the numbers the project's own tests see.
public enum OutputComparison {
    /// max|actual - expected| over the finite elements, relative to the largest finite |expected|
    /// (at least 1e-6). A NaN must meet a NaN and an infinity the same infinity; anything else there,
    /// or a different element count, is an infinite error.
    public static func relativeError<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T]) -> Double {
        guard actual.count == expected.count else { return .infinity }
        var worst = 0.0, scale = 1e-6
        for (a, e) in zip(actual, expected) {
            if a.isNaN || e.isNaN {
                if a.isNaN != e.isNaN { return .infinity }
                continue
            }
            if a.isInfinite || e.isInfinite {
                if a != e { return .infinity }
                continue
            }
            worst = max(worst, Double(abs(a - e)))
            scale = max(scale, Double(abs(e)))
        }
        return worst / scale
    }
}
