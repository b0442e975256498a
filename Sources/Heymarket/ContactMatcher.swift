/// Maps the contacts of an answer back to the values that were searched.
///
/// The API does not say which id matched which contact, so hmq compares each
/// contact's `phone` (digits) and `email` (case-insensitively) with the values,
/// and for other channel types a field named after the type (`facebook`).
struct ContactMatcher {
    let normalizer: ChannelNormalizer

    /// For each contact (its records, as ``Contact/grouped(_:)`` makes them),
    /// the indexes into `values` any of its records carries.
    func match(contacts: [[Contact]], values: [NormalizedChannelValue]) -> [[Int]] {
        let perRecord = match(records: contacts.flatMap { $0 }, values: values)
        var start = 0
        return contacts.map { records in
            defer { start += records.count }
            return Array(Set(perRecord[start..<(start + records.count)].joined())).sorted()
        }
    }

    /// For each record, the indexes into `values` it carries.
    private func match(records contacts: [Contact], values: [NormalizedChannelValue]) -> [[Int]] {
        var phoneIndex: [String: [Int]] = [:]
        var emailIndex: [String: [Int]] = [:]
        var otherIndex: [String: [String: [Int]]] = [:]
        for (i, v) in values.enumerated() {
            switch v.type {
            case "phone": phoneIndex[v.value, default: []].append(i)
            case "email": emailIndex[v.value, default: []].append(i)
            case nil:
                phoneIndex[v.value, default: []].append(i)
                emailIndex[v.value, default: []].append(i)
            case let type?: otherIndex[type, default: [:]][v.value, default: []].append(i)
            }
        }
        return contacts.map { contact in
            var hits: [Int] = []
            if let phone = contact.phone {
                // The API stores E.164 digits; a formatted field is read as the user's input would be.
                let digits = String(phone.unicodeScalars.filter { $0.properties.numericType != nil && $0.isASCII }.map(Character.init))
                hits += phoneIndex[digits] ?? []
                if let normalized = normalizer.phoneDigits(phone), normalized != digits { hits += phoneIndex[normalized] ?? [] }
            }
            if let email = contact.email?.trimmingWhitespace().lowercased() {
                hits += emailIndex[email] ?? []
            }
            for (type, index) in otherIndex {
                if let field = contact[type], let text = field.stringValue ?? field.integerValue.map(String.init) {
                    hits += index[text] ?? []
                }
            }
            return Array(Set(hits)).sorted()
        }
    }
}
