/// One argument a kind of layer takes in a model spec, e.g. `conv`'s `stride`: how it is
/// written, what values it accepts and how errors and help texts name it.
public struct LayerArgument: Sendable {
    /// The kinds of value an argument holds.
    public enum ValueType: Sendable {
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A real number in the interval.
        case real(RealInterval)
        /// A whole number in the range, or one of `words` (`conv`'s `pad=same`). A word listed in
        /// `aliases` stands for that number instead (`pad=valid` is `pad=0`).
        case integerOrWord(ClosedRange<Int>, words: [String], aliases: [String: Int])

        /// A size or count (filters, kernel, stride, padding, units): a whole number from
        /// `minimum` to `LayerArgument.largestSize`.
        public static func size(atLeast minimum: Int) -> ValueType { .integer(minimum ... LayerArgument.largestSize) }
    }

    /// The value of a keyword argument that is not written.
    public enum Default: Sendable {
        case integer(Int)
        case real(Double)
        /// The value of another argument, declared before this one (`maxpool`'s stride is its
        /// window).
        case sameAs(String)
    }

    /// The largest size or count a spec may write: 2²⁰. Far above any sensible layer, low enough
    /// that sums such as `H + 2 · pad` cannot overflow; `TensorSize` bounds the products.
    public static let largestSize = 1 << 20

    /// The name, as keyword arguments are written (`stride=2`) and as `make` looks it up.
    public let name: String
    /// The letter for it in help texts, e.g. `S` in `conv(C,K[,stride=S][,pad=P])`.
    public let placeholder: String
    /// The value when it is not written; `nil` for a required argument.
    public let `default`: Default?
    /// Written `name=value` after the positional arguments (else by position).
    public let isKeyword: Bool
    public let type: ValueType
    /// How error messages name it: "the number of filters", "pad", "the dropout rate".
    public let wording: String

    /// A required argument, written by position.
    public static func positional(_ name: String, placeholder: String, _ type: ValueType, describedAs wording: String) -> LayerArgument {
        LayerArgument(name: name, placeholder: placeholder, default: nil, isKeyword: false, type: type, wording: wording)
    }

    /// An argument written by position that may be left out, after the required ones
    /// (`leakyrelu` is `leakyrelu(0.01)`).
    public static func optionalPositional(_ name: String, placeholder: String, _ type: ValueType, default: Default,
                                          describedAs wording: String) -> LayerArgument {
        LayerArgument(name: name, placeholder: placeholder, default: `default`, isKeyword: false, type: type, wording: wording)
    }

    /// An optional argument, written `name=value` after the positional ones.
    public static func keyword(_ name: String, placeholder: String, _ type: ValueType, default: Default,
                               describedAs wording: String) -> LayerArgument {
        LayerArgument(name: name, placeholder: placeholder, default: `default`, isKeyword: true, type: type, wording: wording)
    }

    /// Positional and without a default.
    public var isRequired: Bool { self.default == nil }

    /// The value written as `text` in a spec, checked against the type.
    func value(parsing text: String) throws(LayerArgumentError) -> LayerArgumentValue {
        switch type {
        case let .integerOrWord(range, words, aliases):
            if words.contains(text) { return .word(text) }
            if let number = aliases[text] { return .integer(number) }
            guard Int(text) != nil || text.allSatisfy({ ("0" ... "9").contains($0) || $0 == "-" || $0 == "+" }) else {
                let choices = (words + aliases.keys.sorted()).map { "'\($0)'" }.joined(separator: ", ")
                throw LayerArgumentError("\(wording) must be a whole number or one of \(choices), got '\(text)'")
            }
            return try LayerArgument(name: name, placeholder: placeholder, default: self.default, isKeyword: isKeyword,
                                     type: .integer(range), wording: wording).value(parsing: text)
        case let .integer(range):
            guard let number = Int(text) else {
                // Digits that do not fit in an Int are out of range, not malformed.
                let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
                if !digits.isEmpty && digits.allSatisfy({ ("0" ... "9").contains($0) }) {
                    throw LayerArgumentError(text.hasPrefix("-") ? "\(wording) must be at least \(range.lowerBound), got \(text)"
                                                                 : "\(wording) must be at most \(range.upperBound), got \(text)")
                }
                throw LayerArgumentError("\(wording) must be a whole number, got '\(text)'")
            }
            return try checked(.integer(number))
        case let .real(interval):
            guard let number = Double(text), interval.contains(number) else {
                throw LayerArgumentError("\(wording) must be a number in \(interval), got '\(text)'")
            }
            return .real(number)
        }
    }

    /// `value` if it has this argument's type (a whole number is taken as a real one where a
    /// real one is expected) and lies in its range.
    func checked(_ value: LayerArgumentValue) throws(LayerArgumentError) -> LayerArgumentValue {
        switch (type, value) {
        case let (.integerOrWord(_, words, _), .word(word)):
            guard words.contains(word) else { throw LayerArgumentError("\(wording) cannot be '\(word)'") }
            return value
        case let (.integerOrWord(range, _, _), .integer), let (.integerOrWord(range, _, _), .real):
            return try LayerArgument(name: name, placeholder: placeholder, default: self.default, isKeyword: isKeyword,
                                     type: .integer(range), wording: wording).checked(value)
        case (.integer, .word), (.real, .word):
            throw LayerArgumentError("\(wording) must be a number, got '\(value)'")
        case let (.integer(range), .integer(number)):
            guard number >= range.lowerBound else { throw LayerArgumentError("\(wording) must be at least \(range.lowerBound), got \(number)") }
            guard number <= range.upperBound else { throw LayerArgumentError("\(wording) must be at most \(range.upperBound), got \(number)") }
            return value
        case (.integer, .real):
            throw LayerArgumentError("\(wording) must be a whole number, got \(value)")
        case let (.real(interval), .real(number)):
            guard interval.contains(number) else { throw LayerArgumentError("\(wording) must be a number in \(interval), got \(value)") }
            return value
        case let (.real, .integer(number)):
            return try checked(.real(Double(number)))
        }
    }
}

/// An interval of real numbers, each end included or not, e.g. `[0, 1)`.
public struct RealInterval: Hashable, Sendable, CustomStringConvertible {
    public let lower: Double, upper: Double
    public let includesLower: Bool, includesUpper: Bool

    public init(_ lower: Double, _ upper: Double, includesLower: Bool, includesUpper: Bool) {
        self.lower = lower
        self.upper = upper
        self.includesLower = includesLower
        self.includesUpper = includesUpper
    }

    /// `[lower, upper)`
    public static func closedOpen(_ lower: Double, _ upper: Double) -> RealInterval {
        RealInterval(lower, upper, includesLower: true, includesUpper: false)
    }

    /// False for NaN.
    public func contains(_ x: Double) -> Bool {
        (includesLower ? x >= lower : x > lower) && (includesUpper ? x <= upper : x < upper)
    }

    public var description: String {
        func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        }
        return "\(includesLower ? "[" : "(")\(number(lower)), \(number(upper))\(includesUpper ? "]" : ")")"
    }
}

/// A value of a layer argument, as parsed from a spec and printed back.
public enum LayerArgumentValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int)
    case real(Double)
    /// A word an argument accepts besides numbers (`same`).
    case word(String)

    /// As written in a canonical spec: `5`, `0.25` (Swift's shortest form that reads back the
    /// same number).
    public var description: String {
        switch self {
        case let .integer(number): "\(number)"
        case let .real(number): "\(number)"
        case let .word(word): word
        }
    }
}

/// The arguments of one layer by name. In a `LayerSpecification` every argument the kind
/// declares is present, defaults filled in.
public struct LayerArguments: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var values: [String: LayerArgumentValue]

    public init(_ values: [String: LayerArgumentValue] = [:]) { self.values = values }

    public init(dictionaryLiteral elements: (String, LayerArgumentValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(name: String) -> LayerArgumentValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The whole-number argument `name`. For a kind's `make`, which gets every argument it
    /// declares with its declared type: anything else is a bug in the kind.
    public func integer(_ name: String) -> Int {
        guard case let .integer(number) = values[name] else {
            preconditionFailure("no whole-number argument '\(name)' among \(values)")
        }
        return number
    }

    /// The word argument `name` holds, or `nil` if it holds a number.
    public func word(_ name: String) -> String? {
        guard case let .word(word) = values[name] else { return nil }
        return word
    }

    /// The real-number argument `name`, as `integer(_:)`.
    public func real(_ name: String) -> Double {
        guard case let .real(number) = values[name] else {
            preconditionFailure("no real-number argument '\(name)' among \(values)")
        }
        return number
    }
}

/// Arguments that do not suit a kind of layer: the sentence that says why (the model spec
/// parser adds the token and its column).
public struct LayerArgumentError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
