import Foundation
import Testing

@testable import HeymarketSandbox

@Suite struct DemoDatasetTests {
    let contacts: [[String: Any]] = SandboxContactStore.demo.entries.compactMap {
        try? JSONSerialization.jsonObject(with: $0.json) as? [String: Any]
    }

    @Test func hasAtLeastThreeHundredDistinctContacts() {
        #expect(contacts.count >= 300)
        #expect(Set(contacts.compactMap { $0["id"] as? Int }).count == contacts.count)
    }

    @Test func isDeterministic() {
        #expect(DemoDataset.store().entries.map(\.json) == SandboxContactStore.demo.entries.map(\.json))
    }

    @Test func coversTheTrickyCases() {
        let names = contacts.compactMap { c in (c["first"] as? String).map { $0 + " " + ((c["last"] as? String) ?? "") } }
        #expect(names.contains { !$0.allSatisfy { $0.isASCII } })
        #expect(names.contains { $0.unicodeScalars.contains { $0.properties.isIdeographic } })
        let tags = contacts.compactMap { $0["tags"] as? [Any] }.flatMap { $0 }
        #expect(tags.contains { $0 is String })
        #expect(tags.contains { ($0 as? [String: Any])?["tag"] is String })
        #expect(contacts.contains { ($0["custom"] as? [String: Any])?.isEmpty == false })
        #expect(contacts.contains { ($0["note"] as? [Any])?.isEmpty == false })
        #expect(contacts.contains { $0["is_opted_out"] as? Bool == true })
        #expect(contacts.contains { $0["display_name"] == nil })
        let emails = contacts.compactMap { $0["email"] as? String }
        #expect(emails.count - Set(emails).count >= 1, "two contacts share an email")
    }

    @Test func theDocumentedContactsAreWhereTheDocsSay() {
        let store = SandboxContactStore.demo
        #expect(store.lookup(type: "phone", value: "14155551234").count == 1)
        #expect(store.lookup(type: "phone", value: "14155559876").count == 1)
        #expect(store.lookup(type: "email", value: "Patel.Family@example.com").count == 2)
        #expect(store.lookup(type: nil, value: "+14155552010").count == 1)
        #expect(store.lookup(type: "phone", value: "+14155552010").isEmpty, "typed phones must be digits without +")
        #expect(store.lookup(type: nil, value: "hello").isEmpty)
    }

    @Test(arguments: [("a@b.co", "email"), ("14155551234", "phone"), ("+14155551234", "phone"), ("hello", nil), ("12", nil)])
    func infersUntypedValues(value: String, type: String?) {
        #expect(SandboxContactStore.inferType(value) == type)
    }

    @Test func loadsADatasetFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-dataset-\(UUID()).json")
        try Data(#"[{"id":1,"phone":"15550001111","email":"x@y.z","whatsapp":"w1"}]"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let store = try SandboxContactStore(contentsOf: url)
        #expect(store.count == 1)
        #expect(store.lookup(type: "whatsapp", value: "w1") == [0])
        try Data("{}".utf8).write(to: url)
        #expect(throws: SandboxDatasetError.self) { try SandboxContactStore(contentsOf: url) }
    }
}
