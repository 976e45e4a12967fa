import Foundation

/// A value as both backends store it: the state's columns hold only integers, reals, text and
/// NULL (times are RFC 3339 text, flags 0/1), so one small type covers SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}

/// What may be bound to a `?` in a statement.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// What a column may be read as.
public protocol SQLReadable {
    /// nil when the value cannot be this type (NULL into a non-optional, text into a number).
    static func read(_ value: SQLValue) -> Self?
}

extension String: SQLReadable {
    public static func read(_ value: SQLValue) -> String? {
        switch value {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .null: return nil
        }
    }
}

extension Int64: SQLReadable {
    public static func read(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let i): return i
        case .real(let d): return Int64(exactly: d)
        case .text(let s): return Int64(s)
        case .null: return nil
        }
    }
}

extension Int: SQLReadable { public static func read(_ value: SQLValue) -> Int? { Int64.read(value).map(Int.init) } }
extension Int32: SQLReadable { public static func read(_ value: SQLValue) -> Int32? { Int64.read(value).flatMap(Int32.init(exactly:)) } }
extension Bool: SQLReadable { public static func read(_ value: SQLValue) -> Bool? { Int64.read(value).map { $0 != 0 } } }

extension Double: SQLReadable {
    public static func read(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        case .text(let s): return Double(s)
        case .null: return nil
        }
    }
}

extension Optional: SQLReadable where Wrapped: SQLReadable {
    public static func read(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.read(value).map { .some($0) }
    }
}

/// One result row. Columns are found by name whatever their case (PostgreSQL folds unquoted
/// names to lower case), or by position.
public struct SQLRow: Sendable {
    public var columns: [String]
    public var values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(_ column: String) -> SQLValue {
        let wanted = column.lowercased()
        guard let index = columns.firstIndex(where: { $0.lowercased() == wanted }) else { return .null }
        return values[index]
    }

    /// A column that must hold a `T`: a wrong type is a damaged state, reported as such.
    public subscript<T: SQLReadable>(_ column: String) -> T {
        let value = value(column)
        guard let typed = T.read(value) else {
            preconditionFailure("the state holds \(value) in column \(column), not a \(T.self)")
        }
        return typed
    }

    public subscript<T: SQLReadable>(_ index: Int) -> T {
        guard let typed = T.read(values[index]) else {
            preconditionFailure("the state holds \(values[index]) in column \(index), not a \(T.self)")
        }
        return typed
    }
}

public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// A transaction on either backend. The state's SQL is written once, in the subset both speak:
/// `?` placeholders, `INSERT … ON CONFLICT … DO UPDATE/NOTHING`, `RETURNING`, `"user"` and
/// `"by"` quoted (reserved in PostgreSQL).
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    func execute(sql: String, arguments: [any SQLBindable]) throws
    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow]
}

extension SQLConnection {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    public func rows(sql: String) throws -> [SQLRow] { try rows(sql: sql, arguments: []) }

    public func row(sql: String, arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try rows(sql: sql, arguments: arguments).first
    }

    /// The first column of every row.
    public func column<T: SQLReadable>(sql: String, arguments: [any SQLBindable] = []) throws -> [T] {
        try rows(sql: sql, arguments: arguments).map { $0[0] }
    }

    /// The first column of the first row (nil: no row, or NULL).
    public func value<T: SQLReadable>(sql: String, arguments: [any SQLBindable] = []) throws -> T? {
        guard let row = try row(sql: sql, arguments: arguments) else { return nil }
        return T.read(row.values[0])
    }
}
