import Foundation

/// A thread that runs submitted closures one at a time, synchronously for the caller. Used for
/// backends declaring LITE_THREADING_CREATOR_THREAD: every call on their delegate happens here.
final class PinnedThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var work: (() -> Void)?
    /// Jobs handed out and jobs completed; a caller waits until its own ticket is completed.
    private var issued = 0
    private var completed = 0
    private var stopping = false
    private var thread: Thread!

    init(name: String) {
        thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    private func loop() {
        condition.lock()
        while true {
            while work == nil && !stopping { condition.wait() }
            if let job = work {
                condition.unlock()
                job()
                condition.lock()
                work = nil
                completed += 1
                condition.broadcast()
            } else if stopping {
                break
            }
        }
        condition.unlock()
    }

    /// Runs `body` on the pinned thread and returns its result; callers are serialised.
    func run<T>(_ body: () -> T) -> T {
        var result: T?
        withoutActuallyEscaping(body) { body in
            let job = { result = body() }
            condition.lock()
            while work != nil { condition.wait() }
            issued += 1
            let ticket = issued
            work = job  // The worker drops it before completing the ticket, so it never outlives this scope.
            condition.broadcast()
            while completed < ticket { condition.wait() }
            condition.unlock()
        }
        return result!
    }

    /// Ends the thread once pending work is done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}
