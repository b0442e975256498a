import HMQRuntime

/// Text gathered and handed to a sink in chunks of about 64 KiB, so a format
/// writing a line per row makes few writes.
struct ChunkedText {
    let sink: any OutputSink
    private var text = ""

    init(sink: any OutputSink) { self.sink = sink }

    mutating func append(_ more: String) throws {
        text += more
        if text.utf8.count >= 64 * 1024 { try flush() }
    }

    mutating func flush() throws {
        guard !text.isEmpty else { return }
        try sink.write(text)
        text = ""
    }
}
