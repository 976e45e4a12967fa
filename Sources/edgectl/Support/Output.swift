import ArgumentParser
import EdgeCore
import EdgeEngine
import Foundation

/// Writing to the terminal, and turning failures into the SPEC's exit codes. Everything
/// edgectl prints goes through `out`/`err`, which mask any secret value a run has read
/// (`Redactor`), wherever it came from: a plan, an error, a node's output.
enum Output {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(Redactor.shared.redact(text).utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(Redactor.shared.redact(text).utf8))
    }

    static func print(_ text: String) { out(text + "\n") }

    /// Errors and warnings may quote a node (its stderr, its OS name): shown, never obeyed.
    static func error(_ text: String, style: Style) { err(style.red("error: ") + TerminalText.escape(text, keepNewlines: true) + "\n") }

    static func warn(_ text: String, style: Style) { err(style.yellow("warning: ") + TerminalText.escape(text, keepNewlines: true) + "\n") }

    static func note(_ text: String) { err(text + "\n") }

    /// Runs a command body; reports an `EdgeError` or `ManifestError` on stderr and exits with its code.
    static func run(_ global: GlobalOptions, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ManifestError {
            err(error.description + "\n")
            throw ExitCode(FailureKind.invalidInput.exitCode)
        } catch let error as EdgeError {
            Output.error(error.message, style: global.stderrStyle)
            throw ExitCode(error.kind.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.error(String(describing: error), style: global.stderrStyle)
            throw ExitCode.failure
        }
    }

    /// Terminal width for fitting tables, when writing to one.
    static var terminalWidth: Int? {
        guard isatty(1) == 1 else { return nil }
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
