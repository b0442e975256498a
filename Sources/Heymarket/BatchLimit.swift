import Synchronization

/// The most ids the server has shown it takes in one request, once it refused
/// a batch for its size (a 400 or 413 for the batch, and smaller parts then
/// answered): one for every batch of a client and its copies, so the rest of
/// the run asks in parts that size instead of being refused batch after batch.
final class BatchLimit: Sendable {
    private let learned = Mutex<Int?>(nil)

    /// The limit learned so far; nil while no batch was refused for its size.
    var current: Int? { learned.withLock { $0 } }

    /// Lowers the limit to `size`. True when that lowered it (the first time, or lower than before).
    func lower(to size: Int) -> Bool {
        learned.withLock { limit in
            guard size >= 1, size < (limit ?? .max) else { return false }
            limit = size
            return true
        }
    }
}
