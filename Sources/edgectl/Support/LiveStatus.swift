import EdgeEngine
import Foundation

/// The bottom line of a rollout on a terminal: what phase each service is in, how many
/// nodes of it are done, and for how long, redrawn ten times a second under the event lines
/// (which scroll above it as before). Only on a terminal; pipes get the plain lines.
final class LiveStatus: @unchecked Sendable {
    private let lock = NSLock()
    private let style: Style
    private var phase: String? = "observing the nodes"
    private var done = 0
    private var total: Int?
    private var since = Date()
    private var frame = 0
    private var running = true
    private var ticker: Thread?

    /// A live line when stderr is an interactive terminal.
    static func make(style: Style) -> LiveStatus? {
        guard isatty(2) == 1, ProcessInfo.processInfo.environment["TERM"] != "dumb" else { return nil }
        let live = LiveStatus(style: style)
        live.start()
        return live
    }

    private init(style: Style) { self.style = style }

    private func start() {
        let thread = Thread { [weak self] in
            while let self, self.tick() { Thread.sleep(forTimeInterval: 0.1) }
        }
        ticker = thread
        thread.start()
    }

    private func tick() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return false }
        frame += 1
        draw()
        return true
    }

    /// Prints an event's line above the live line and moves the live line on.
    func handle(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        Output.err("\r\u{1B}[2K" + event.line(style: style) + "\n")
        let service = event.service ?? ""
        switch event.kind {
        case .staging:
            begin("\(service): sending the release", total: event.total)
        case .batch:
            begin("\(service): \(event.group.map { "\($0) " } ?? "")batch \(event.batch ?? "")", total: event.total)
        case .started:
            begin("\(service): starting", total: nil)
        case let kind where kind.countsNode:
            if event.node != nil { done += 1 }
        case let kind where kind.endsPhase:
            phase = nil
        default:
            break
        }
        draw()
    }

    /// Clears the live line for good (before the summary).
    func stop() {
        lock.lock()
        running = false
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        lock.unlock()
    }

    private func begin(_ text: String, total: Int?) {
        phase = text
        self.total = total
        done = 0
        since = Date()
    }

    private func draw() {
        guard running, let phase else {
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
            return
        }
        let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"][frame % 10]
        var text = "\(spinner) \(phase)"
        if let total, total > 0 {
            let width = 20
            let filled = min(width, done * width / total)
            text += " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total)"
        }
        text += String(format: " %.1fs", Date().timeIntervalSince(since))
        if let columns = LiveStatus.columns(), text.count > columns - 1 { text = String(text.prefix(max(0, columns - 1))) }
        Output.err("\r\u{1B}[2K" + style.dim(text))
    }

    private static func columns() -> Int? {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
