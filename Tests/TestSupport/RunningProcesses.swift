import Foundation

/// Whether any process on the machine has `text` in its command line
/// (`pgrep -f`): tests that stop a child check that nothing it started is left.
public func aProcessIsRunning(matching text: String) throws -> Bool {
    let pgrep = Process()
    pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    pgrep.arguments = ["-f", text]
    pgrep.standardOutput = Pipe()
    try pgrep.run()
    pgrep.waitUntilExit()
    return pgrep.terminationStatus == 0
}
