// Parses a generated script of about 10 MB and reports the throughput in MB/s
// (lexing + parsing into the AST, best of several runs). Run via scripts/bench.
import Foundation
import HMQSyntax

let targetBytes = (CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 10) * 1_000_000
let runs = 5

// A mix of every kind of statement, with values that vary from line to line.
func statement(_ i: Int) -> String {
    switch i % 8 {
    case 0: return "find phone \(14_155_550_000 + i), \(14_155_560_000 + i), email user\(i)@example.com | show name, tags\n"
    case 1: return "find phone file \"batch-\(i).txt\" | where tags has \"vip\" and not is_opted_out | show name, custom.12 as plan\n"
    case 2: return "let r\(i) = find email \"José.\(i)@example.com\", \"+1 (415) 555-\(1000 + i % 9000)\" | sort last, first desc\n"
    case 3: return "$r\(i - 1) | where (custom.12 in [\"Pro\", \"Enterprise\"] or id >= \(i)) and email matches \"@example\\\\.com$\" | count by tags\n"
    case 4: return "# a comment about statement \(i) with 李小龍 in it\n"
    case 5: return "set batch \(50 + i % 50); set format csv\n"
    case 6: return "find csv \"leads.csv\" column \"Email\", facebook \"\(i)\" | unique email | limit \(i % 100) | format table --max-width 40\n"
    default: return "explain find phone \(14_155_570_000 + i) | where display_name contains \"an\" | save \"out-\(i).csv\"\n"
    }
}

var text = ""
text.reserveCapacity(targetBytes + 200)
var i = 0
while text.utf8.count < targetBytes {
    text += statement(i)
    i += 1
}
let source = Source(name: "bench.hmq", text: text)
let megabytes = Double(source.bytes.count) / 1_000_000

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
var bestLex = Double.infinity
for _ in 0..<runs {
    let start = ContinuousClock.now
    let lexed = Lexer.tokenize(source)
    bestLex = min(bestLex, seconds(ContinuousClock.now - start))
    precondition(lexed.diagnostics.isEmpty)
}
// The first parse runs in fresh memory (page faults included), as a one-off
// `hmq check` would; later ones reuse memory the previous AST freed.
var first = 0.0
var best = Double.infinity
var items = 0
for run in 0..<runs {
    let start = ContinuousClock.now
    let result = Parser.parse(source)
    let elapsed = seconds(ContinuousClock.now - start)
    if run == 0 { first = elapsed }
    best = min(best, elapsed)
    items = result.script.items.count
    if result.hasErrors {
        print("benchmark script has errors: \(result.diagnostics.prefix(3))")
        exit(1)
    }
}
print(String(format: "lex:   %.1f MB, best of %d: %.3f s = %.1f MB/s", megabytes, runs, bestLex, megabytes / bestLex))
print(String(format: "parse: %.1f MB, %d statements and comments; first run (fresh memory) %.3f s = %.1f MB/s; best of %d: %.3f s = %.1f MB/s",
             megabytes, items, first, megabytes / first, runs, best, megabytes / best))
