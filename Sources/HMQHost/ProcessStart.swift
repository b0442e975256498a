import Foundation
import HMQRuntime

/// What a process hosting hmq does first, before it reads or writes anything.
public enum ProcessStart {
    /// A standard stream started closed (`hmq ... <&-`, `>&-`) would let the next file
    /// opened take its number: a socket on fd 1 would receive our output. Hold those
    /// numbers with /dev/null, as OpenSSH's sanitise_stdfd does. A closed output
    /// (`hmq ... | head -1`) is an EPIPE error hmq handles by stopping quietly, not a signal.
    public static func secureStandardStreams() {
        for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", O_RDWR)
            if null >= 0, null != fd { dup2(null, fd); close(null) }
            if fd == 0 { ValueFiles.standardInputClosed.store(true, ordering: .relaxed) }
        }
        signal(SIGPIPE, SIG_IGN)
    }
}
