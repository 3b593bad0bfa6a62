// Work started on a pool thread beside the caller's, and its result waited for (the saved state beside the roll-up,
// the fsyncs beside manifest.json's encoding, the side file beside the swap).

import Foundation

/// `work` started on a pool thread at once; `wait` blocks until it has run and gives its result (any number of times).
struct Background<Value: Sendable>: Sendable {
    private let done = DispatchGroup()
    private let value: Locked<Value?>

    init(_ work: @escaping @Sendable () -> Value) {
        let value = Locked<Value?>(nil)
        self.value = value
        DispatchQueue.global().async(group: done) {
            let result = work()
            value.withLock { $0 = result }
        }
    }

    func wait() -> Value {
        done.wait()
        return value.withLock { $0! }
    }
}
