import Foundation
import Synchronization

/// A file results are written to as they come, for as long as it is open
/// (the REPL's `.output FILE` and `.once FILE`): emptied when opened, then
/// each result appended, as sqlite3's `.output` does. Unlike `save`, which
/// replaces a file whole (``AtomicFile``), what is written is in the file at
/// once, so another terminal can follow it.
///
/// Opened the way `save` opens a file, and refused where `save` is:
/// - a symbolic link is written through (the file it points to);
/// - what is not a regular file is written through in place: a FIFO (which
///   must have a reader: opening never waits for one), a device, a descriptor
///   named as a file (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/3`);
/// - a directory is refused;
/// - an existing file keeps its mode; a new one is 0600 (rows of contact data).
public final class OutputFile: Sendable {
    /// The path asked for.
    public let path: String
    private let state: Mutex<(sink: FileSink, descriptor: Int32)>

    public init(_ path: String, newFileMode: mode_t = 0o600) throws(AtomicFile.WriteError) {
        self.path = path
        func failure(_ why: String) -> AtomicFile.WriteError { AtomicFile.WriteError(description: "cannot write \(path): \(why)") }
        let (resolved, named) = AtomicFile.resolveLinks(path)
        var info = stat()
        let descriptor: Int32
        if let named {
            descriptor = dup(named)
        } else if stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw failure("it is a directory")
        } else if stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO {
            // Never wait for a reader that may not come: no reader is an error now.
            descriptor = open(resolved, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            if descriptor < 0, errno == ENXIO { throw failure("it is a FIFO nobody reads") }
            if descriptor >= 0 { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK) }
        } else if stat(resolved, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            descriptor = open(resolved, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        } else {
            // A new file is made 0600 whatever the umask; an existing one is emptied and keeps its mode.
            let made = open(resolved, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o600)
            if made >= 0 {
                fchmod(made, newFileMode)
                descriptor = made
            } else if errno == EEXIST {
                descriptor = open(resolved, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
            } else {
                descriptor = made
            }
        }
        guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        state = Mutex((FileSink(descriptor: descriptor), descriptor))
    }

    public func write(_ text: String) throws {
        try state.withLock { state in
            guard state.descriptor >= 0 else { throw closed }
            try state.sink.write(text)
        }
    }

    public func write(bytes: [UInt8]) throws {
        try state.withLock { state in
            guard state.descriptor >= 0 else { throw closed }
            try state.sink.write(bytes: bytes)
        }
    }

    public func flush() throws { try state.withLock { if $0.descriptor >= 0 { try $0.sink.flush() } } }

    private var closed: AtomicFile.WriteError { AtomicFile.WriteError(description: "cannot write \(path): it was closed (.output)") }

    /// Writes out what is buffered and closes the file; later writes fail.
    public func close() throws {
        try state.withLock { state in
            guard state.descriptor >= 0 else { return }
            defer {
                Foundation.close(state.descriptor)
                state.descriptor = -1
            }
            try state.sink.flush()
        }
    }

    deinit { try? close() }
}
