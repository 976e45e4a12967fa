/// `$(NAME)` in `run.command`, expanded from the service's own environment as Kubernetes
/// expands a container's `command` and `args`: a command such as
/// `[nginx, -c, "$(EDGE_CONFIG_DIR)/nginx.conf"]` needs the node's config directory, which
/// only the node's unit knows. `$$(` is a literal `$(`. A name the environment does not
/// define stays as written, so a shell snippet's `$(date)` still reaches its shell; `${…}`
/// is never expanded (it is the shell's, and a template's in `run.env`). A variable whose
/// value holds a secret is never expanded: it would be a command-line argument, which every
/// user of the node can read in `ps`; the manifest refuses such a reference with its position.
public enum CommandExpansion {
    /// The names `word` refers to with `$(NAME)`, in order (an escaped `$$(` is none).
    public static func references(in word: String) -> [String] {
        var names: [String] = []
        _ = scan(word) { name in
            names.append(name)
            return nil
        }
        return names
    }

    /// `word` with each `$(NAME)` that `value` knows replaced by its value, `$$(` by `$(`.
    public static func expand(_ word: String, _ value: (String) -> String?) -> String {
        scan(word, value)
    }

    private static func scan(_ word: String, _ value: (String) -> String?) -> String {
        let scalars = Array(word.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "$", i + 2 < scalars.count, scalars[i + 1] == "$", scalars[i + 2] == "(" {
                out.append(contentsOf: ["$", "("])
                i += 3
                continue
            }
            if c == "$", i + 1 < scalars.count, scalars[i + 1] == "(", let close = scalars[(i + 2)...].firstIndex(of: ")") {
                let name = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
                if FieldRules.isEnvName(name) {
                    if let replacement = value(name) {
                        out.append(contentsOf: replacement.unicodeScalars)
                    } else {
                        out.append(contentsOf: scalars[i...close])
                    }
                    i = close + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }
}
