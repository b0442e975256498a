import HMQConfig

/// The config loader (TOML, profiles, settings) on any bytes: errors, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    if let configuration = try? Configuration.parse(text, path: "fuzz.toml") {
        _ = ConfigReport.render(configuration, selected: nil)
        _ = try? configuration.select(flag: nil, environment: [:])
    }
    return 0
}
