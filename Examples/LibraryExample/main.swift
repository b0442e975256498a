// Embedding hmq in a Swift program: run query text against Heymarket and use
// the rows. This example starts the sandbox in-process so it runs anywhere;
// against production, build the client from your credentials instead:
//
//     let client = HeymarketClient(credentials: try .fromEnvironment(ProcessInfo.processInfo.environment))
//
// Run it: swift run hmq-library-example
import Foundation
import HMQJSON
import HMQRuntime
import Heymarket
import HeymarketSandbox

// The sandbox runs while the block does, and stops however it ends.
try await SandboxServer.with { sandbox in
    let client = HeymarketClient(
        credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
        baseURL: try BaseURL(sandbox.baseURL))
    let session = HMQSession(client: client, inputs: ScriptInputs(arguments: ["14155559876"]))

    do {
        // Rows come back as ordered JSON objects; virtual fields (name, matched) work too.
        for try await row in session.run("find phone 14155551234, $1, email patel.family@example.com | show name, tags, matched") {
            let name = row.fields["name"]?.stringValue ?? "-"
            let tags = row.fields["tags"]?.arrayValue?.count ?? 0
            print("\(name): \(tags) tag(s), found by \(row.fields["matched"].map { JSONWriter().string($0) } ?? "[]")")
        }
        // A session keeps let bindings: the second statement sends no request.
        let counts = try await session.rows("let team = find phone 14155551234, 14155552003; $team | count")
        print("contacts bound to $team:", counts.first?.fields["count"].map { JSONWriter().string($0) } ?? "?")
        print("requests sent:", client.requestsSent)
    } catch let error as HMQError {
        switch error {
        case .syntax(let diagnostics): print(diagnostics.map(\.message).joined(separator: "\n"))
        case .runtime(let failure): print(failure.diagnostic.message)
        case .cancelled: print("cancelled")
        }
    }
}
