import Foundation

/// Runs work for many nodes at once, at most `parallel` at a time, each on its own thread.
///
/// Threads rather than async tasks: libssh calls block, and a session must
/// stay on one thread, so each node's work (connect, every step, disconnect)
/// runs start to finish on the thread that picked it up.
public enum FanOut {
    public static func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], parallel: Int, _ body: @escaping @Sendable (Item) -> Result
    ) -> [Result] {
        guard !items.isEmpty else { return [] }
        let state = FanOutState<Result>(count: items.count)
        let workers = max(1, min(parallel, items.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                while let index = state.next() {
                    state.store(body(items[index]), at: index)
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return state.results()
    }
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
