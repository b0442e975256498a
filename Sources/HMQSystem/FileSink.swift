import Foundation

/// An output sink over a file descriptor, buffered.
public final class FileSink {
    /// The reader went away (`hmq ... | head -1`, a pager quit early): nothing more can be written.
    public struct Closed: Error, Sendable {
        public init() {}
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Called before buffered output is written (to erase a progress line on the same terminal).
    private let beforeWrite: (@Sendable () -> Void)?

    /// A sink writing to `handle`.
    public convenience init(handle: FileHandle) {
        self.init(descriptor: handle.fileDescriptor)
    }

    /// A sink writing to an open file descriptor (it is not closed here).
    public init(descriptor: Int32, beforeWrite: (@Sendable () -> Void)? = nil) {
        self.descriptor = descriptor
        self.beforeWrite = beforeWrite
    }

    /// Buffers `text`, writing out every 64 KiB.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Buffers the bytes as they are.
    public func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Writes out what is buffered. Throws ``Closed`` when the reader has gone.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        beforeWrite?()
        try buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { throw Closed() }
                    throw AtomicFile.WriteError(description: "cannot write output: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    deinit { try? flush() }
}
