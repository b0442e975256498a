import Foundation

/// A file holding given bytes, for the fuzz checks (a journal, a stream of
/// messages to serve): on `/dev/shm` when there is one, so nothing waits for
/// a disk; mode 0600; removed when let go.
@_spi(Fuzzing)
public final class ScratchFile {
    public let path: String

    public init(_ bytes: [UInt8], name: String) throws(AtomicFile.WriteError) {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        path = "\(directory)/hmq-\(name)-\(getpid())-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw AtomicFile.WriteError(description: "cannot write \(path)")
        }
    }

    deinit { unlink(path) }

    /// What the file holds now (read with `read(2)`: `FileManager.contents(atPath:)`
    /// leaks a 4 KB buffer on some reads, which LeakSanitizer reports under FuzzMCP).
    public var contents: [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return bytes }
            bytes += chunk[0..<n]
        }
    }
}
