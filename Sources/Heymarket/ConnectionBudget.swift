import Synchronization

/// The failed connections (refused, host not found, TLS failed) a client meets
/// before its run stops: one budget for every batch of the client and its
/// copies, not one per batch, so an unreachable server ends a lookup of any
/// size after a few attempts instead of after a few attempts per batch.
///
/// It counts failures in a row: any response from the server starts it again,
/// so a connection lost now and then in a long run does not add up to a stop.
final class ConnectionBudget: Sendable {
    private let failures = Mutex(0)

    /// Records a failed connection. Returns its number in the current row (from
    /// 1) when one more attempt may follow, nil when `limit` are spent (the run stops).
    func fail(limit: Int) -> Int? {
        failures.withLock { count in
            count += 1
            return count < limit ? count : nil
        }
    }

    /// A response arrived: the server is reachable, and the row starts again.
    func connected() {
        failures.withLock { $0 = 0 }
    }
}
