/// The median of timed repetitions (the upper middle value for an even count; 0 for none): what
/// every benchmark figure reports, so that one slow repetition does not move it.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
