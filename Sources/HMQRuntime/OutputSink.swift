import Foundation
import HMQSystem

/// Where formatted output goes: stdout, a file, a pipe.
public protocol OutputSink: AnyObject {
    func write(_ text: String) throws
    /// Writes bytes as they are (a plugin's output, which need not be UTF-8).
    func write(bytes: [UInt8]) throws
    /// Writes out anything buffered (rows are flushed as each lookup batch settles).
    func flush() throws
}

extension OutputSink {
    /// Nothing buffered.
    public func flush() throws {}

    /// By default, the bytes as UTF-8 text (a sink that stores text cannot keep other bytes).
    public func write(bytes: [UInt8]) throws { try write(String(decoding: bytes, as: UTF8.self)) }
}

// Files are sinks: a descriptor's (stdout, a `save`) and the REPL's `.output` file.
extension FileSink: OutputSink {}
extension OutputFile: OutputSink {}
