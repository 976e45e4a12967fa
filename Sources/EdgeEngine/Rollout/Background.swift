import Foundation

/// Work started on its own thread now and waited for later (`value` blocks until it is done).
final class Background<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Swift.Result<Value, Error>?
    private let lock = NSLock()

    init(_ work: @escaping @Sendable () throws -> Value) {
        Thread { [self] in
            let outcome = Swift.Result { try work() }
            lock.withLock { result = outcome }
            done.signal()
        }.start()
    }

    var value: Swift.Result<Value, Error> {
        lock.lock()
        if let result {
            lock.unlock()
            return result
        }
        lock.unlock()
        done.wait()
        done.signal()
        return lock.withLock { result! }
    }
}
