import HMQSyntax

/// The language by example: the REPL's `.help TOPIC` and the language server's hover.
public struct Help: Sendable {
    /// Each topic and its text.
    public let topics: [(name: String, text: String)]

    /// The topics of an hmq with `vocabulary` (its settings are named in `set`).
    public init(_ vocabulary: LanguageVocabulary) {
        topics = Self.topics(settingNames: vocabulary.settings.map(\.name))
    }

    static func topics(settingNames: [String]) -> [(name: String, text: String)] { [
        ("find", """
            find VALUES: look contacts up by channel values. A type word applies to the values after it.
              find phone 14155551234, 14155559876
              find email ada@example.com, phone 14155551234
              find 14155551234, "ada@example.com"        # untyped: the server infers the type
              find phone file "phones.txt"               # one value per line
              find email csv "people.csv" column "Email"
              find csv "leads.csv" by phone "Phone", email "Email"   # records in, records out
            Values are normalised (+1 (415) 555-1234 = 14155551234), de-duplicated, batched and paced.
            """),
        ("show", """
            | show FIELDS: pick, rename and order fields.
              | show name, email, tags
              | show id, custom.12 as plan, note.text
              | show *, matched                          # every field, plus the values that found it
              | show name, tags.name                     # tag names, whatever shape the API sent
            Virtual fields: name (display name, else first + last), matched (the input values known
            to have found it; null when none can be tied to it: set attribution exact), tags.name.
            Text formats (table, csv, tsv, ...) write a list as vip; customer.
            Two columns may not share a name.
            """),
        ("where", """
            | where CONDITION: keep the rows it holds for.
              | where tags has "vip" and not is_opted_out
              | where custom.12 == "pro" or id >= 1200
              | where email contains "@example.com"
              | where name matches "^A"
              | where phone in ["14155551234", "14155559876"]
              | where email exists
              | where assigned_user_id == null
              | where tags == []                         # an empty list (a missing field is null, not [])
            Numbers compare as numbers, text case-insensitively (set case_sensitive on).
            A missing field is null; null == null, null equals nothing else, != is not ==,
            exists is != null, other tests are false on null. "" and [] are values.
            """),
        ("sort", """
            | sort FIELD [desc], ...: stable; missing values last.
              | sort last, first
              | sort created desc
            """),
        ("limit", """
            | limit N  or  | first N: the first N rows. The lookup stops once it has them.
            """),
        ("count", """
            | count: the number of rows.   | count by tags: rows per value, most first.
            """),
        ("unique", """
            | unique: drop repeated rows.   | unique email: the first row per email.
            """),
        ("unmatched", """
            | unmatched: instead of contacts, the input values that found none: type, value, reason, detail.
            reason: no contact, undetermined (a contact came back that no field ties to a value:
            set attribution exact asks again), invalid (with set invalid skip), failed (its batch failed).
              find phone file "phones.txt" | unmatched | save "misses.csv"
              find phone file "phones.txt" | unmatched | where reason == "no contact" | save "misses.txt"
            """),
        ("records", """
            find csv "FILE" by TYPE COLUMN, ...: every record of a sheet, looked up by its key cells.
              find csv "leads.csv" by phone "Phone", email "Email" | save "annotated.csv"
              find csv "leads.csv" by phone 3 | show input.*, outcome, id, name, tags
              find csv "leads.csv" by email "Email" | unmatched      # the records that found no contact
              find ndjson "leads.ndjson" by email "email"
            A row per record and contact found; input.NAME is the record's cell, outcome is matched,
            no contact, undetermined, invalid, failed or empty, detail says why, matched_by names the columns.
            """),
        ("diff", """
            | diff "SNAPSHOT" [by FIELD] [--exit-code]: only what changed since a snapshot saved earlier.
              find phone file "vips.txt" | show id, name, is_opted_out | save "vips.ndjson"    # once
              find phone file "vips.txt" | show id, name, is_opted_out | diff "vips.ndjson"
            change: added, changed or removed; changed lists the fields that differ, old their old values.
            Rows match by id (by FIELD to choose). --exit-code: exit 1 when anything changed.
            """),
        ("format", """
            | format NAME [options]: print this pipeline's rows in a format (.formats lists them).
              | format csv --no-header
              | format table --max-width 30
              | format json --pretty
            set format NAME changes the default; hmq -f NAME on the command line.
            """),
        ("save", """
            | save "FILE": write the rows to a file, the format from its extension (--format NAME to choose).
              | save "vips.csv"
              | show email | save "emails.txt"                # .txt: one value per line
              | save "out.txt" --format tsv
            save ends the pipeline. The file is written whole or not at all.
            """),
        ("let", """
            let NAME = PIPELINE: bind a result; $NAME | ... reuses it with no new request.
              let team = find phone file "team.txt"
              $team | where tags has "vip" | count
            """),
        ("set", """
            set NAME VALUE: \(settingNames.joined(separator: ", ")).
              set format csv
              set batch 50
              set rate 500/60s
              set attribution exact
              set invalid skip
            .settings shows them.
            """),
        ("cache", """
            The answer cache: a value asked again within the cache's time is answered without a request.
            On for 5 minutes at this prompt, off in scripts; set cache 10m, set cache off, --cache 1h, HMQ_CACHE.
              set cache 10m
              set refresh on    # ask anyway (the answers are stored all the same)
            .cache shows what it holds for this server and key, .cache clear empties it; .timing counts its answers.
            """),
        ("explain", """
            explain PIPELINE: print the HTTP requests a lookup would send, and send nothing.
              explain find phone file "phones.txt"
            """),
        ("variables", """
            $1, $2: script arguments.  $NAME: --var NAME=VALUE or a let.  $env.HOME: the environment.
              find phone $1 | show name
            """),
        ("keys", """
            Editing: Up/Down recall statements (a multi-line one whole), Ctrl-R searches history, Tab completes
            keywords, stages, fields, formats, variables and (inside quotes) file names.
            A statement goes on to the next line while it ends with | or , or has an open bracket or quote.
            Ctrl-C clears the line, or cancels a running query. Ctrl-D on an empty line leaves.
            """),
        ("commands", """
            .help [TOPIC]       this help (.help where, .help keys)
            .formats            output formats and their options
            .plugins            formatter and stage plugins
            .vars               bound results and variables
            .settings           current settings
            .history [N]        the last N statements
            .timing on|off      the time and requests of each query
            .cache [clear]      the answer cache: what it holds, how often it
                                answered; clear empties it (set cache 10m|off)
            .read FILE [ARGS]   run a script in this session
            \\x [on|off|auto]    one block per row (auto: when a table is too wide)
            .output [FILE]      results to FILE (emptied first); alone: the screen
            .once FILE          the next statement's results to FILE
            .pager on|off|auto  long results through $PAGER, else less -FRSX
                                (auto: when taller than the screen)
            .watch N            the last statement again every N s (2 or more),
                                showing what changed; Ctrl-C stops
            .quit               leave (also Ctrl-D)
            Errors and notes stay on the screen whatever .output says.
            """),
    ] }

    /// `.help TOPIC`: the topic's text (a word of it, `first` or `csv`, leads to its topic); with
    /// no topic, an overview; for an unknown one, a guess and the list.
    public func text(_ topic: String) -> String {
        let wanted = topic.lowercased().trimmingCharacters(in: .whitespaces)
        if wanted.isEmpty {
            return """
                hmq: find contacts, then pipe them through stages.
                  find phone 14155551234, email ada@example.com | show name, tags
                  find phone file "phones.txt" | where tags has "vip" | sort name | save "vips.csv"
                Stages: show where sort limit/first count unique unmatched diff format save.
                Statements: find ..., let NAME = ..., set NAME VALUE, explain ...
                Help on one: .help find   .help where   .help format   .help keys   .help commands
                Topics: \(topics.map(\.name).joined(separator: ", "))
                """
        }
        let aliases = ["first": "limit", "dot": "commands", "editing": "keys", "$": "variables", "vars": "variables", "csv": "format", "json": "format", "table": "format"]
        let name = aliases[wanted] ?? wanted
        if let entry = topics.first(where: { $0.name == name }) { return entry.text }
        let guess = Suggestion.closest(to: wanted, among: topics.map(\.name))
        return "no help on '\(topic)'" + (guess.map { "; did you mean .help \($0)?" } ?? "") + "\nTopics: " + topics.map(\.name).joined(separator: ", ")
    }
}
