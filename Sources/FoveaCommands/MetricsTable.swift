import Foundation

/// `metrics.csv` read back (for `fovea plot`): the header's column names and one row of numbers
/// per epoch. Written by `MetricsFile`; read as outside input, since a person may have edited
/// it or a run may be rewriting it:
///
/// - The header names the columns (`EpochLine.fields`: `epoch, train_loss, train_accuracy,
///   test_loss, test_accuracy, [validation_loss, validation_accuracy,] samples_per_second,
///   seconds, learning_rate`); it must have `epoch`, and unknown columns are kept but unused, so
///   files with fewer or more columns read.
/// - Each row has as many fields as the header. A field is a number, or `null` (how Fovea writes
///   a value that is not finite), `nan`, `inf` or empty (all read as not finite). `epoch` is a
///   whole number ≥ 1, increasing from row to row. Blank lines are skipped; `\r\n` is accepted.
/// - A last line without its newline is a row being written (Fovea rewrites the file whole and
///   atomically, so only another writer leaves one): it is left out, and `partialLastLine` says so.
/// - Anything else is refused with one line naming the file and the line number. Files over
///   64 MiB are refused before they are read.
public struct MetricsTable {
    let path: String
    /// Column names, in the header's order.
    let columns: [String]
    /// `rows[i][j]`: row i's value of column j (NaN when not finite or empty).
    let rows: [[Double]]
    /// Whether an unfinished last line was left out.
    let partialLastLine: Bool

    static let maximumBytes = 64 << 20

    /// The epoch numbers, one per row.
    var epochs: [Int] { column("epoch").map { $0.map { Int($0) } } ?? [] }

    /// The values of column `name`, one per row, or `nil` if the file has no such column.
    func column(_ name: String) -> [Double]? {
        columns.firstIndex(of: name).map { j in rows.map { $0[j] } }
    }

    /// Reads and parses the file at `path`.
    static func read(_ path: String) throws -> MetricsTable {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CommandFailure(description: "\(path): no such file (fovea train writes it after a run's first epoch; name a run folder or its metrics.csv)")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumBytes {
            throw CommandFailure(description: "\(path): \(Format.integer(size)) bytes, more than a metrics file of \(Format.integer(maximumBytes)) can be (name a run's metrics.csv)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(description: "\(path): cannot read it (check its permissions)")
        }
        return try parse([UInt8](data), file: path)
    }

    /// Parses the bytes of a metrics file; `file` names it in errors. Public for the fuzz target
    /// (`Fuzz/Targets/FuzzMetrics`).
    public static func parse(_ bytes: [UInt8], file: String) throws -> MetricsTable {
        func failure(_ line: Int, _ what: String) -> CommandFailure {
            CommandFailure(description: "\(file): line \(line): \(what) (not a metrics.csv of fovea train, or damaged; train again or fix the line)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure(description: "\(file): not UTF-8 text (not a metrics.csv of fovea train)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        // After the last newline: "" for a complete file, else a line still being written.
        let partial = !(lines.last?.isEmpty ?? true)
        lines.removeLast()
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw CommandFailure(description: "\(file): empty\(partial ? " (its first line is unfinished)" : "") (fovea train writes the header and a row after a run's first epoch; plot again then)")
        }
        let columns = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let empty = columns.firstIndex(of: "") { throw failure(1, "the header's column \(empty + 1) has no name") }
        if let duplicate = columns.first(where: { name in columns.filter { $0 == name }.count > 1 }) {
            throw failure(1, "the header names column '\(duplicate)' twice")
        }
        guard let epochColumn = columns.firstIndex(of: "epoch") else {
            throw failure(1, "the header has no 'epoch' column (it reads '\(headerLine.prefix(80))')")
        }
        var rows: [[Double]] = []
        var lastEpoch = 0
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == columns.count else {
                throw failure(number, "\(fields.count) field\(fields.count == 1 ? "" : "s"), the header has \(columns.count)")
            }
            var row: [Double] = []
            for (j, field) in fields.enumerated() {
                guard let value = value(of: field) else {
                    throw failure(number, "\(columns[j]) is '\(field.prefix(40))', not a number")
                }
                row.append(value)
            }
            let epoch = row[epochColumn]
            guard epoch.isFinite, epoch == epoch.rounded(), epoch >= 1, epoch <= 1e9 else {
                throw failure(number, "epoch is '\(fields[epochColumn])', not a whole number ≥ 1")
            }
            guard Int(epoch) > lastEpoch else {
                throw failure(number, "epoch \(Int(epoch)) after epoch \(lastEpoch) (rows must go up by epoch)")
            }
            lastEpoch = Int(epoch)
            rows.append(row)
        }
        return MetricsTable(path: file, columns: columns, rows: rows, partialLastLine: partial)
    }

    /// A field's number: decimal or exponent text; `null`, `nan`, `inf`, `-inf` or empty read as
    /// NaN or infinity; `nil` for anything else.
    private static func value(of field: String) -> Double? {
        switch field.lowercased() {
        case "", "null", "nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default:
            guard field.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
            return Double(field)
        }
    }
}
