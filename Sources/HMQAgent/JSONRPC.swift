import HMQJSON

/// JSON-RPC 2.0 messages, as MCP sends them: what a message is, and the
/// answers a server writes.
enum JSONRPC {
    /// The error codes JSON-RPC defines.
    enum Code: Int64 {
        /// The text is not JSON.
        case parseError = -32700
        /// JSON, but not a request (or a batch of them) a server can read.
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
    }

    /// An error the server answers a request with.
    struct Failure: Error {
        var code: Code
        var message: String

        init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// What a received message is.
    enum Message {
        /// A request: it is answered.
        case request(id: JSONValue, method: String, params: JSONValue?)
        /// A notification (no `id`): never answered.
        case notification(method: String, params: JSONValue?)
        /// A response (`result` or `error`, no `method`): this server asks the client nothing, so it is let go.
        case response
        /// Not a message a server can read: answered with this error, to `id` (null when it had none a client could match).
        case invalid(id: JSONValue, Failure)
    }

    /// Reads one message object.
    static func read(_ message: JSONObject) -> Message {
        let id = message["id"]
        guard id.map(isID) ?? true else {
            // A response with a bad id answers nothing this server asked: let go like any response.
            if message["method"] == nil, message["result"] != nil || message["error"] != nil { return .response }
            return .invalid(id: .null, Failure(.invalidRequest, "Invalid Request: the id must be a string or an integer"))
        }
        let named = id ?? .null
        guard message["jsonrpc"] == .string("2.0") else {
            return .invalid(id: named, Failure(.invalidRequest, "Invalid Request: a message has jsonrpc 2.0 and a method name (a string)"))
        }
        guard let member = message["method"] else {
            if id != nil, message["result"] != nil || message["error"] != nil { return .response }
            return .invalid(id: named, Failure(.invalidRequest, "Invalid Request: a message has jsonrpc 2.0 and a method name (a string)"))
        }
        guard let method = member.stringValue else {
            return .invalid(id: named, Failure(.invalidRequest, "Invalid Request: a message has jsonrpc 2.0 and a method name (a string)"))
        }
        guard let id else { return .notification(method: method, params: message["params"]) }
        if message["result"] != nil || message["error"] != nil {
            return .invalid(id: id, Failure(.invalidRequest, "Invalid Request: a request carries no result or error"))
        }
        return .request(id: id, method: method, params: message["params"])
    }

    /// An id a request may have: a string or an integer (not `null`, which MCP does not allow).
    static func isID(_ value: JSONValue) -> Bool { value.isJSONRPCID }

    /// The answer to request `id`.
    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// The error answer to `id` (`null` when the request had none a client could match).
    static func error(id: JSONValue, _ failure: Failure) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .integer(failure.code.rawValue), "message": .string(failure.message)]]
    }
}
