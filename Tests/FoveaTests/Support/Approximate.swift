import Testing

/// Checks `|actual − expected| ≤ atol + rtol · max(|actual|, |expected|)` element by element and
/// reports the first index that fails, with both values.
func expectClose(
    _ actual: [Float], _ expected: [Float], atol: Float, rtol: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    var failures = 0
    for i in 0 ..< min(actual.count, expected.count) {
        let a = actual[i], e = expected[i]
        let ok = abs(a - e) <= atol + rtol * max(abs(a), abs(e))
        if !ok {
            failures += 1
            if failures <= 3 {
                Issue.record("\(what): mismatch at index \(i): got \(a), expected \(e)", sourceLocation: sourceLocation)
            }
        }
    }
    if failures > 3 { Issue.record("\(what): \(failures) mismatches in all", sourceLocation: sourceLocation) }
}

/// Deterministic pseudo-random floats in [-1, 1) for test inputs.
func testValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0 ..< count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
    }
}
