import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A thread that runs submitted closures one at a time, synchronously for the caller. Used for
/// backends declaring LITE_THREADING_CREATOR_THREAD: every call on their delegate happens here.
/// A POSIX thread, joined by `stop()`: it has ended (its thread-local state destroyed too) before
/// the delegate's library can go away, which a driver that keeps per-thread state needs.
final class PinnedThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var work: (() -> Void)?
    /// Jobs handed out and jobs completed; a caller waits until its own ticket is completed.
    private var issued = 0
    private var completed = 0
    private var stopping = false
    private var thread: pthread_t?
    private let name: String

    init(name: String) {
        self.name = name
        var created = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(&created, nil, { context in
            let this = Unmanaged<PinnedThread>.fromOpaque(context!).takeRetainedValue()
            this.loop()
            return nil
        }, context) == 0 {
            thread = created
        } else {
            Unmanaged<PinnedThread>.fromOpaque(context).release()
        }
    }

    private func loop() {
        Thread.current.name = name
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

    /// Runs `body` on the pinned thread and returns its result; callers are serialised. Without a
    /// thread (pthread_create failed) it runs on the caller's.
    func run<T>(_ body: () -> T) -> T {
        guard thread != nil else { return body() }
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

    /// Ends the thread once pending work is done, and waits until it has ended.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        guard let thread else { return }
        self.thread = nil
        // Never from the thread itself (it would wait for itself): then it ends on its own.
        if pthread_equal(thread, pthread_self()) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
    }
}
