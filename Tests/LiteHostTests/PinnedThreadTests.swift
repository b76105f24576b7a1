import Foundation
import Testing

@testable import LiteHost

#if canImport(Glibc)
import Glibc
#endif

/// The thread a creator-thread backend's calls run on: every job there, and ended, thread-local
/// destructors included, when stop() returns (a driver's per-thread state is gone before its
/// library can be unloaded).
@Suite("Pinned thread")
struct PinnedThreadTests {
    /// Set by the thread-local destructor below, which takes its time as a driver's teardown may.
    nonisolated(unsafe) static var destroyed = 0
    static let lock = NSLock()
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { _ in
            usleep(100_000)
            PinnedThreadTests.lock.withLock { PinnedThreadTests.destroyed += 1 }
        }
        return key
    }()

    @Test("jobs run on one thread, and stop() returns after its thread-local destructors ran")
    func joined() throws {
        for round in 1...3 {
            let pinned = PinnedThread(name: "lite-test")
            let first = pinned.run { pthread_self() }
            let second = pinned.run { pthread_self() }
            #expect(pthread_equal(first, second) != 0 && pthread_equal(first, pthread_self()) == 0)
            pinned.run { _ = pthread_setspecific(Self.key, UnsafeRawPointer(bitPattern: 1)) }
            pinned.stop()
            #expect(Self.lock.withLock { Self.destroyed } == round, "stop() returned before the thread ended")
        }
    }
}
