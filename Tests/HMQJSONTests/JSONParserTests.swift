import Testing

@testable import HMQJSON

@Suite struct JSONParserTests {
    @Test func keepsKeyOrderAndIntegers() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":[true,null,-2.5e1],"m":{"k":"v"},"big":9007199254740993}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "big"])
        #expect(value["z"] == .integer(1))
        #expect(value["a"] == [true, nil, .double(-25)])
        #expect(value["big"] == .integer(9_007_199_254_740_993))
    }

    @Test(arguments: [
        (#""é\u00e9\ud83d\ude00\n\"\\\/""#, "éé😀\n\"\\/"),
        (#""李小龍""#, "李小龍"),
    ])
    func decodesStrings(json: String, expected: String) throws {
        #expect(try JSONParser.parse(json) == .string(expected))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "01", "1.", "tru", "[1] x", "\"a\u{01}\"", "{\"a\":1,}"])
    func rejectsInvalid(json: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(json) }
    }

    /// Numbers a Double would change are kept as sent: an underflow is not zero, and -0.0 keeps its sign.
    @Test(arguments: ["1e-400", "-0.0", "-0e5", "2.5e-330", "-1E-999", "9007199254740993.0", "9.007199254740993e15", "0.30000000000000001", "123456789012345678.5"])
    func aNumberADoubleWouldChangeIsKeptAsSent(text: String) throws {
        let value = try JSONParser.parse("[\(text)]")
        #expect(JSONWriter().string(value) == "[\(text)]")
    }

    /// A number a Double holds exactly is one, however many digits it is written with.
    @Test(arguments: [("9007199254740992.0", 9007199254740992.0), ("3.141592653589793", 3.141592653589793), ("1.4155550007E+10", 14155550007),
                      ("0.1", 0.1), ("1500e-3", 1.5), ("1234567890123456.0", 1234567890123456)])
    func aNumberADoubleHoldsIsADouble(text: String, expected: Double) throws {
        #expect(try JSONParser.parse("[\(text)]") == .array([.double(expected)]))
    }

    @Test func refusesDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
    }

    @Test func writerRoundTrips() throws {
        let text = #"{"id":1001,"name":"José \"J\" Núñez","tags":[{"id":7,"tag":"vip"},"a\tb"],"x":null,"f":1.5}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter().string(value) == text)
        #expect(try JSONParser.parse(JSONWriter(indent: 2).string(value)) == value)
    }
}
