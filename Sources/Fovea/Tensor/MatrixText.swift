import Foundation

/// Small tensors written as text, as a lecture writes them, for `fovea apply`: values separated
/// by spaces or commas, rows by `;` (or a line break), channels by `|`.
/// `"1 2 3; 4 5 6 | 7 8 9; 1 2 3"` is `[2, 2, 3]`: two channels of two rows of three.
public enum MatrixText {
    /// Values a text may hold: far more than any hand example, few enough to print.
    public static let limit = 1 << 20

    /// The values of `text` in row-major order and its shape `[C, H, W]`. Throws, naming the
    /// character offset, on a value that is not a finite number, a row or channel of another
    /// length than the first, an empty row or channel, or more than `limit` values.
    public static func parse(_ text: String) throws(MatrixTextError) -> (values: [Float], shape: [Int]) {
        var values: [Float] = []
        var channels = 0, rowsPerChannel: Int?, width: Int?
        var rows = 0, columns = 0
        var token = "", tokenStart = 0
        var offset = 0

        func endToken() throws(MatrixTextError) {
            guard !token.isEmpty else { return }
            guard let value = Float(token), value.isFinite else {
                throw MatrixTextError(offset: tokenStart, "'\(token)' is not a finite number")
            }
            guard values.count < limit else { throw MatrixTextError(offset: tokenStart, "more than \(limit) values") }
            values.append(value)
            columns += 1
            token = ""
        }
        func endRow(at offset: Int) throws(MatrixTextError) {
            try endToken()
            guard columns > 0 else { throw MatrixTextError(offset: offset, "an empty row") }
            if let width, width != columns {
                throw MatrixTextError(offset: offset, "a row of \(columns) value\(columns == 1 ? "" : "s"); the first row has \(width)")
            }
            width = columns
            columns = 0
            rows += 1
        }
        func endChannel(at offset: Int) throws(MatrixTextError) {
            try endRow(at: offset)
            if let rowsPerChannel, rowsPerChannel != rows {
                throw MatrixTextError(offset: offset, "a channel of \(rows) row\(rows == 1 ? "" : "s"); the first channel has \(rowsPerChannel)")
            }
            rowsPerChannel = rows
            rows = 0
            channels += 1
        }

        // A trailing row or channel separator (or line break) ends nothing more.
        let trimmed = text.trimmingSuffix { $0.isWhitespace || $0 == ";" }
        for character in trimmed {
            switch character {
            case "|": try endChannel(at: offset)
            case ";", "\n": try endRow(at: offset)
            case ",", " ", "\t", "\r": try endToken()
            default:
                if token.isEmpty { tokenStart = offset }
                token.append(character)
            }
            offset += 1
        }
        try endChannel(at: offset)
        return (values, [channels, rowsPerChannel ?? 0, width ?? 0])
    }

    /// Every number in `text` in order, whatever separates them (spaces, commas, `;`, `|`, line
    /// breaks), for parameters given in storage order.
    public static func numbers(_ text: String) throws(MatrixTextError) -> [Float] {
        var values: [Float] = []
        var offset = 0
        for piece in text.split(omittingEmptySubsequences: false, whereSeparator: { " ,;|\n\t\r".contains($0) }) {
            defer { offset += piece.count + 1 }
            guard !piece.isEmpty else { continue }
            guard let value = Float(piece), value.isFinite else { throw MatrixTextError(offset: offset, "'\(piece)' is not a finite number") }
            guard values.count < limit else { throw MatrixTextError(offset: offset, "more than \(limit) values") }
            values.append(value)
        }
        return values
    }

    /// `value` as a reader writes it: whole numbers without a decimal point, others to 6
    /// significant digits (`0.333333`, `1.5e-07`).
    public static func format(_ value: Float) -> String {
        if value == value.rounded() && abs(value) < 1e7 { return value == 0 ? "0" : String(Int(value)) }
        return String(format: "%.6g", Double(value))
    }

    /// The rows of an `[H, W]` matrix, right-aligned in columns of one width.
    public static func lines(_ values: ArraySlice<Float>, height: Int, width: Int) -> [String] {
        let cells = values.map(format)
        let cellWidth = cells.map(\.count).max() ?? 0
        return (0 ..< height).map { row in
            cells[row * width ..< (row + 1) * width].map { String(repeating: " ", count: cellWidth - $0.count) + $0 }.joined(separator: "  ")
        }
    }
}

/// Why a matrix text does not read: the character offset and what is wrong there.
public struct MatrixTextError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "character \(offset): \(message)" }
}

extension StringProtocol {
    /// The text without the characters at its end for which `isTrimmed` holds.
    fileprivate func trimmingSuffix(while isTrimmed: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex, isTrimmed(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex ..< end]
    }
}
