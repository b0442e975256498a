import Foundation
import Synchronization

/// The result of `body`, waited for on the calling thread: libFuzzer calls
/// its targets synchronously, and the journal and MCP checks are async.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    guard let value = result.withLock({ $0 }) else { preconditionFailure("the task ended without its value") }
    return value
}
