import EdgeEngine
import Foundation

/// SIGINT and SIGTERM during a run that changes nodes: the first asks the run to stop at its
/// next batch boundary (the batch in flight finishes its gates, the rollout is recorded
/// `Interrupted`, exit 130 / 143); a second one exits at once, leaving every node's last
/// step recorded so the next run gates again whatever was not seen healthy.
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []
    let interruption = Interruption()

    /// - Parameter onFirst: says what happens now (printed once, on stderr).
    init(onFirst: @escaping @Sendable (Int32) -> Void, beforeExit: @escaping @Sendable () -> Void) {
        let interruption = interruption
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if interruption.request(number) {
                    onFirst(number)
                } else {
                    beforeExit()
                    _exit(128 + (interruption.signal ?? number))
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Back to the default handlers once the run is over.
    func remove() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
