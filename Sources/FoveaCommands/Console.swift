import Foundation

/// Where a command writes: standard output for results, standard error for diagnostics.
/// Commands write through this so that tests can capture what a person would see.
public protocol Console: AnyObject {
    /// Writes `text` to standard output (no newline added).
    func write(_ text: String)
    /// Writes a line to standard error.
    func diagnose(_ line: String)
    /// Whether standard output is a terminal (progress bars are drawn only then).
    var isTerminal: Bool { get }
}

extension Console {
    func line(_ text: String) { write(text + "\n") }
}

/// The process's standard output and error.
public final class StandardConsole: Console {
    public init() {}
    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    public func diagnose(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    public var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}

/// An error the CLI reports as one line, `fovea: <message>`, and exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
