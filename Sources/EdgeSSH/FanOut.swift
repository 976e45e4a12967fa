import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs work for many nodes at once, at most `parallel` at a time, each on its own thread.
///
/// Threads rather than async tasks: libssh calls block, and a session must
/// stay on one thread, so each node's work (connect, every step, disconnect)
/// runs start to finish on the thread that picked it up. Workers are POSIX
/// threads that are joined before `run` returns: a worker still tearing down
/// its thread-local state (OpenSSL's, libssh's) while the process exits would
/// race the libraries' exit handlers.
public enum FanOut {
    public static func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], parallel: Int, _ body: @escaping @Sendable (Item) -> Result
    ) -> [Result] {
        guard !items.isEmpty else { return [] }
        let state = FanOutState<Result>(count: items.count)
        let workers = max(1, min(parallel, items.count))
        let work: @Sendable () -> Void = {
            while let index = state.next() {
                state.store(body(items[index]), at: index)
            }
        }
        var threads: [pthread_t] = []
        for _ in 0..<workers {
            let box = Unmanaged.passRetained(WorkBox(work))
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, 1 << 20)
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, &attributes,
                { raw in
                    let box = Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue()
                    box.work()
                    return nil
                }, box.toOpaque())
            pthread_attr_destroy(&attributes)
            if rc == 0 {
                threads.append(thread)
            } else {
                box.release()
                work()  // could not start a thread: do the work here
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        return state.results()
    }
}

private final class WorkBox {
    let work: @Sendable () -> Void
    init(_ work: @escaping @Sendable () -> Void) { self.work = work }
}

private final class FanOutState<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var slots: [Result?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < slots.count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }

    func store(_ result: Result, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func results() -> [Result] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
