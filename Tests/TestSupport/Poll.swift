import Foundation

/// Waits until `condition` holds or `seconds` pass, checking every `interval`; the last
/// answer. Tests wait on a condition with a deadline instead of sleeping.
public func poll(_ seconds: Double, every interval: Double = 0.05, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return condition()
}
