import ArgumentParser

/// For `validate()`: throws a usage error with `message` (one sentence naming the flag) unless
/// `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ValidationError(message()) }
}
