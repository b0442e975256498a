import HMQSystem
import Testing

@Suite struct SecretRedactorTests {
    let key = "sk_live_0123456789abcdefghij"

    @Test func theWholeSecretAndAnyRunOfSixteenOfItsCharactersAreHidden() {
        let redactor = SecretRedactor([key])
        #expect(redactor.text("key \(key) end") == "key **** end")
        // A prefix, a suffix and a middle of 16 or more characters each stand alone: each is hidden.
        #expect(redactor.text("a \(key.prefix(20)) b \(key.suffix(16)) c \(key.dropFirst(4).prefix(17))") == "a **** b **** c ****")
        // Fifteen characters in a row are not enough to tell a piece of the key from other text.
        #expect(redactor.text(String(key.prefix(15))) == String(key.prefix(15)))
        // Cut in two by a space, each long enough piece goes.
        let cut = String(key.prefix(10)) + " " + String(key.dropFirst(10))
        #expect(redactor.text(cut) == String(key.prefix(10)) + " ****")
        #expect(redactor.text("nothing here") == "nothing here")
    }

    @Test func shortSecretsAreHiddenWholeAndTooShortOnesNotAtAll() {
        let redactor = SecretRedactor(["abc12345", "short"])
        #expect(redactor.text("x abc12345 y abc1234") == "x **** y abc1234")
        #expect(redactor.text("short") == "short")
        #expect(SecretRedactor(["short"]).isEmpty)
    }

    @Test func secretsAddedLaterAndRunsOfSeveralSecretsJoin() {
        var redactor = SecretRedactor()
        #expect(redactor.isEmpty && redactor.text(key) == key)
        redactor.add([key, "eyJhbGciOiJIUzI1NiJ9.payload0123456789.signature0123456789"])
        #expect(redactor.text("\(key)signature0123456789") == "****")
        #expect(redactor.text("é\(key)é") == "é****é")
    }

    /// Zero-width spaces, joiners or soft hyphens between a secret's characters
    /// look like the secret on a terminal: they do not hide it from the redactor.
    @Test func invisibleCharactersBetweenItsCharactersDoNotHideASecret() {
        let redactor = SecretRedactor([key])
        for separator in ["\u{200B}", "\u{200D}", "\u{00AD}", "\u{FEFF}"] {
            let hidden = key.map(String.init).joined(separator: separator)
            #expect(redactor.text("a \(hidden) b") == "a **** b", "\(separator.unicodeScalars.first!.value)")
        }
        // Text around it keeps its own non-ASCII characters.
        #expect(redactor.text("δ\u{200B}ε \(key) ζ") == "δ\u{200B}ε **** ζ")
    }
}
