import HMQJSON
import HMQRuntime
import Yams

/// `yaml`: a YAML sequence of mappings, one per row, streamed.
public struct YAMLFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "yaml"
    public let aliases = ["yml"]
    public let summary = "a YAML list of mappings"
    public let fileExtensions = ["yaml", "yml"]
    public let options: [PluginOption] = []

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        YAMLFormatter(sink: sink)
    }
}

final class YAMLFormatter: RowFormatter {
    private let sink: any OutputSink
    private var columns: [String] = []
    private var count = 0

    init(sink: any OutputSink) { self.sink = sink }

    func begin(columns: [String]) throws { self.columns = columns }

    func add(columns: [String]) throws { self.columns += columns }

    func row(_ values: [JSONValue?]) throws {
        var pairs: [(Node, Node)] = []
        for (column, value) in zip(columns, values) {
            if let value { pairs.append((.scalar(column.represented()), Self.node(value))) }
        }
        // A one-element sequence per row: concatenated, they are one sequence.
        try sink.write(Yams.serialize(node: .sequence(.init([.mapping(.init(pairs))])), width: -1, allowUnicode: true))
        count += 1
    }

    func end() throws {
        if count == 0 { try sink.write("[]\n") }
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .integer(let i): return Node(String(i), Tag(.int))
        case .double(let d):
            if d.isNaN { return Node(".nan", Tag(.float)) }
            if d.isInfinite { return Node(d > 0 ? ".inf" : "-.inf", Tag(.float)) }
            return Node(Cell.compact.string(value), Tag(.float))
        case .number(let text): return Node(text, Tag(text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? .float : .int))
        case .string(let s): return .scalar(s.represented())
        case .array(let elements): return .sequence(.init(elements.map(node)))
        case .object(let object): return .mapping(.init(object.members.map { (.scalar($0.key.represented()), node($0.value)) }))
        }
    }
}
