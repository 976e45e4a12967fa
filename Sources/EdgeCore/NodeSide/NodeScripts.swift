/// The shell scripts edgectl runs on nodes, built as plain text so they can be
/// read and tested without a node.
///
/// They use only POSIX sh and tools that both coreutils and busybox provide
/// (`sha256sum`, `tar`, `find`, `ln`, `mv -T`, `readlink`, `setsid`, `sed`,
/// `cut`), because a node has nothing else. Every value from outside passes
/// through `ShellQuote`. Scripts are sent on standard input to `sh -s`, so
/// their length is never limited by the command line.
public enum NodeScripts {
    private static func q(_ s: String) -> String { ShellQuote.quote(s) }

    /// Shell functions shared by the scripts.
    ///
    /// `alive PID START`: the process exists, is not a zombie, and started at START (clock
    /// ticks since boot, `/proc/PID/stat` field 22), so a recycled pid is not mistaken for ours.
    /// `promote`: moves verified files from `.incoming` into the store, deleting anything
    /// whose content does not match its name (a half-received or damaged file). It runs a
    /// fixed number of processes whatever the number of files (hashing, modes and moves
    /// are batched), since spawning per file dominates on small nodes.
    static let prelude = """
        alive() {
            [ -n "$2" ] && [ -r "/proc/$1/stat" ] || return 1
            want=$2
            set -- $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)
            [ "$1" != Z ] && [ "${20}" = "$want" ]
        }
        promote() {
            set -- *
            [ -e "$1" ] || return 0
            find . -maxdepth 1 -type f -exec sha256sum {} + | while read -r sum f; do
                f=${f#./}
                [ "$sum" = "${f%-*}" ] || { rm -f "$f"; echo "BAD $f"; }
            done
            for m in $(find . -maxdepth 1 -type f | sed 's/.*-//' | sort -u); do
                find . -maxdepth 1 -type f -name "*-$m" -exec chmod "$m" {} +
            done
            find . -maxdepth 1 -type f -exec mv -f -t .. {} +
        }

        """

    /// Reads store names on stdin and prints those the node lacks. First promotes what an
    /// interrupted transfer left complete, so the next push resumes instead of starting over.
    /// With `verify`, present files are re-hashed and re-requested when damaged.
    /// A first line `=present` says the release directory already exists.
    public static func missingFiles(_ layout: NodeLayout, release: String? = nil, verify: Bool = false) -> String {
        prelude + """
            set -e
            \(release.map { "[ -d \(q(layout.release($0))) ] && echo =present" } ?? ":")
            mkdir -p \(q(layout.incoming))
            cd \(q(layout.incoming))
            promote >/dev/null
            cd \(q(layout.store))
            while IFS= read -r n; do
                if [ -f "$n" ]; then
                    \(verify ? #"if [ "$(sha256sum "$n" | cut -d' ' -f1)" != "${n%-*}" ]; then chmod u+w "$n"; rm -f "$n"; echo "$n"; fi"# : ":")
                else
                    echo "$n"
                fi
            done

            """
    }

    /// The remote command that receives a tar stream of store files, then verifies and promotes them.
    public static func receive(_ layout: NodeLayout) -> String {
        prelude + """
            set -e
            mkdir -p \(q(layout.incoming))
            cd \(q(layout.incoming))
            tar -xf -
            promote

            """
    }

    /// Builds `releases/<digest>` from store files (hard links), directories and symlinks,
    /// in a temporary directory renamed into place, so a release directory is always complete.
    public static func materialise(_ layout: NodeLayout, release: Release) -> String {
        let (final, temporary) = (layout.release(release.digest), layout.releases + "/.tmp-" + release.digest)
        var lines = buildStart(layout, release: release, onExisting: "exit 0") + ["cd \(q(temporary))"]
        for entry in release.entries {
            switch entry.type {
            case .directory: lines.append("mkdir -p -- \(q(entry.path))")
            case .file: lines.append("ln -- \(q(layout.store + "/" + NodeLayout.storeName(entry))) \(q(entry.path))")
            case .symlink: lines.append("ln -s -- \(q(entry.target ?? "")) \(q(entry.path))")
            }
        }
        // Directory modes last: a read-only directory would refuse the links made inside it.
        for entry in release.entries.reversed() where entry.type == .directory {
            lines.append("chmod \(String(entry.mode & 0o7777, radix: 8)) -- \(q(entry.path))")
        }
        lines.append("cd /")
        lines.append("mv -- \(q(temporary)) \(q(final))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Puts an existing release directory back exactly as the release has it, in place, so
    /// `current` never points at a half-built directory: entries the release lacks are
    /// removed, missing or replaced ones linked again from the store (a file whose link no
    /// longer is the stored file, e.g. after the store copy was re-sent), symlinks re-made.
    /// Each change touches one path; the directory itself stays. Fed to `sh -s`.
    public static func repairRelease(_ layout: NodeLayout, release: Release) -> String {
        let dir = layout.release(release.digest)
        var lines = [
            "set -e",
            "cd \(q(dir))",
            "find . -type d -exec chmod u+w {} +",
            "want=$(mktemp) have=$(mktemp)",
            "trap 'rm -f \"$want\" \"$have\"' EXIT",
            "{",
        ]
        for entry in release.entries { lines.append("printf '%s\\n' \(q("./" + entry.path))") }
        lines += [
            "} | sort > \"$want\"",
            "find . -mindepth 1 | sort > \"$have\"",
            // Present but not wanted: the lines seen once when the wanted ones are counted twice
            // (`comm` is not in every busybox). Deepest first, so contents go before their directory.
            "cat \"$want\" \"$want\" \"$have\" | sort | uniq -u | sort -r | while IFS= read -r p; do rm -rf -- \"$p\"; done",
        ]
        for entry in release.entries {
            let path = q(entry.path)
            switch entry.type {
            case .directory:
                lines.append("[ -d \(path) ] && [ ! -h \(path) ] || { rm -rf -- \(path); mkdir -- \(path); }")
            case .file:
                let stored = q(layout.store + "/" + NodeLayout.storeName(entry))
                lines.append(
                    "[ \(path) -ef \(stored) ] && [ ! -h \(path) ] || { rm -rf -- \(path); ln -- \(stored) \(path); echo \"relinked \"\(path); }")
            case .symlink:
                let target = q(entry.target ?? "")
                lines.append("[ -h \(path) ] && [ \"$(readlink -- \(path))\" = \(target) ] || { rm -rf -- \(path); ln -s -- \(target) \(path); }")
            }
        }
        for entry in release.entries.reversed() where entry.type == .directory {
            lines.append("chmod \(String(entry.mode & 0o7777, radix: 8)) -- \(q(entry.path))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The start of building a release: nothing to do if it exists, else a fresh
    /// `releases/.tmp-<digest>` (removing what an interrupted build left).
    private static func buildStart(_ layout: NodeLayout, release: Release, onExisting: String) -> [String] {
        let temporary = layout.releases + "/.tmp-" + release.digest
        return [
            "set -e",
            "[ -d \(q(layout.release(release.digest))) ] && \(onExisting)",
            "mkdir -p \(q(layout.releases))",
            "if [ -d \(q(temporary)) ]; then find \(q(temporary)) -type d -exec chmod u+w {} +; rm -rf \(q(temporary)); fi",
            "mkdir \(q(temporary))",
        ]
    }

    /// The tar stream that materialises a release in one process on the node: directories,
    /// hard links into the store and symlinks, extracted at the root under
    /// `releases/.tmp-<digest>` (then renamed by `finishMaterialise`). Nil when a path is
    /// too long for ustar; `materialise` is the fallback.
    public static func materialiseArchive(release: Release) -> [UInt8]? {
        let base = "releases/.tmp-" + release.digest
        var out: [UInt8] = []
        for entry in release.entries {
            // Split the path so the directory part travels in the prefix field.
            let slash = entry.path.lastIndex(of: "/")
            let dir = slash.map { String(entry.path[..<$0]) }
            let name = slash.map { String(entry.path[entry.path.index(after: $0)...]) } ?? entry.path
            let prefix = dir.map { base + "/" + $0 } ?? base
            switch entry.type {
            case .directory:
                guard TarWriter.fits(name: name, prefix: prefix) else { return nil }
                out += TarWriter.header(name: name, prefix: prefix, type: .directory, mode: 0o755, size: 0)
            case .file:
                let link = "store/" + NodeLayout.storeName(entry)
                guard TarWriter.fits(name: name, prefix: prefix, linkName: link) else { return nil }
                out += TarWriter.header(
                    name: name, prefix: prefix, type: .hardLink, linkName: link, mode: NodeLayout.readOnlyMode(entry.mode), size: 0)
            case .symlink:
                let target = entry.target ?? ""
                guard TarWriter.fits(name: name, prefix: prefix, linkName: target) else { return nil }
                out += TarWriter.header(name: name, prefix: prefix, type: .symlink, linkName: target, mode: 0o777, size: 0)
            }
        }
        return out + TarWriter.trailer
    }

    /// Receives `materialiseArchive` on stdin, sets directory modes and renames the release into place.
    public static func finishMaterialise(_ layout: NodeLayout, release: Release) -> String {
        let (final, temporary) = (layout.release(release.digest), layout.releases + "/.tmp-" + release.digest)
        var lines =
            buildStart(layout, release: release, onExisting: "{ cat > /dev/null; exit 0; }") + [
                "cd \(q(layout.root))",
                "tar -xf -",
                "cd \(q(temporary))",
            ]
        for entry in release.entries.reversed() where entry.type == .directory && entry.mode & 0o7777 != 0o755 {
            lines.append("chmod \(String(entry.mode & 0o7777, radix: 8)) -- \(q(entry.path))")
        }
        lines.append("cd /")
        lines.append("mv -- \(q(temporary)) \(q(final))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Forgets a service on a node (after it was stopped): its links, pid and log.
    /// Its releases go with the next cleanup.
    public static func removeService(_ layout: NodeLayout, service: String) -> String {
        "rm -rf -- \(q(layout.service(service)))\n"
    }

    /// Deletes a release directory that is not in use (to rebuild it after drift).
    public static func removeRelease(_ layout: NodeLayout, digest: String) -> String {
        let dir = layout.release(digest)
        return "[ -d \(q(dir)) ] || exit 0\nfind \(q(dir)) -type d -exec chmod u+w {} +\nrm -rf \(q(dir))\n"
    }

    /// Points `current` at a release, keeping the one before as `previous`: each link is
    /// made under a temporary name and renamed over the old one (`mv -T`, so the rename
    /// replaces the link instead of moving into the directory it points to).
    public static func activate(_ layout: NodeLayout, service: String, digest: String) -> String {
        let dir = layout.service(service)
        let target = NodeLayout.linkTarget(digest)
        return """
            set -e
            S=\(q(dir))
            [ -d \(q(layout.release(digest))) ] || { echo "release \(digest) is not on this node" >&2; exit 3; }
            mkdir -p "$S"
            cur=$(readlink "$S/current" 2>/dev/null || true)
            if [ "$cur" != \(q(target)) ]; then
                if [ -n "$cur" ]; then
                    rm -f "$S/.previous.new"
                    ln -s "$cur" "$S/.previous.new"
                    mv -fT "$S/.previous.new" "$S/previous"
                fi
                rm -f "$S/.current.new"
                ln -s \(q(target)) "$S/.current.new"
                mv -fT "$S/.current.new" "$S/current"
                echo \(q(digest)) >> "$S/history"
            fi
            touch "$S/activated"

            """
    }

    /// Swaps `current` and `previous` (rollback without any transfer).
    public static func rollback(_ layout: NodeLayout, service: String) -> String {
        """
        set -e
        S=\(q(layout.service(service)))
        prev=$(readlink "$S/previous" 2>/dev/null) || { echo "no previous release to roll back to" >&2; exit 3; }
        [ -d "$S/previous/" ] || { echo "the previous release is no longer on this node" >&2; exit 3; }
        cur=$(readlink "$S/current")
        rm -f "$S/.current.new" "$S/.previous.new"
        ln -s "$prev" "$S/.current.new"
        mv -fT "$S/.current.new" "$S/current"
        ln -s "$cur" "$S/.previous.new"
        mv -fT "$S/.previous.new" "$S/previous"
        echo "${prev##*/}" >> "$S/history"
        touch "$S/activated"
        echo "${prev##*/}"

        """
    }

    /// Starts `command` in the current release, detached from the SSH session (own session via
    /// `setsid`, every descriptor redirected), and prints "<pid> <start time>".
    public static func start(_ layout: NodeLayout, service: String, command: [String], environment: [(String, String)]) -> String {
        let dir = layout.service(service)
        let exports = environment.map { "export \($0.0)=\(q($0.1))" }.joined(separator: "\n")
        return prelude + """
            set -e
            S=\(q(dir))
            cd -P "$S/current"
            \(exports)
            setsid \(command.map(q).joined(separator: " ")) >> "$S/log" 2>&1 < /dev/null &
            pid=$!
            st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20 || true)
            echo "$pid ${st:--}" > "$S/pid.new"
            mv -f "$S/pid.new" "$S/pid"
            echo "$pid ${st:--}"

            """
    }

    /// TERM to the process group, KILL after `grace` seconds, and forget the pid.
    public static func stop(_ layout: NodeLayout, service: String, grace: Int) -> String {
        prelude + """
            S=\(q(layout.service(service)))
            [ -f "$S/pid" ] || exit 0
            read pid st < "$S/pid"
            if alive "$pid" "$st"; then
                kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
                i=0
                while alive "$pid" "$st" && [ $i -lt \(grace * 10) ]; do sleep 0.1; i=$((i + 1)); done
                if alive "$pid" "$st"; then
                    kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
                    i=0
                    while alive "$pid" "$st" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
                fi
            fi
            rm -f "$S/pid"

            """
    }

    /// Whether the service's recorded process is running: prints `running` or `dead`.
    public static func running(_ layout: NodeLayout, service: String) -> String {
        prelude + """
            S=\(q(layout.service(service)))
            if [ -f "$S/pid" ] && read pid st < "$S/pid" && alive "$pid" "$st"; then echo running; else echo dead; fi

            """
    }

    /// One line per managed service: name, current and previous release, process state,
    /// pid, files modified since activation, entries in the current release. Also caps logs.
    public static func observe(_ layout: NodeLayout, logCap: Int = 10 << 20) -> String {
        prelude + """
            cd \(q(layout.root + "/services")) 2>/dev/null || exit 0
            for s in *; do
                [ -d "$s" ] || continue
                cur=$(readlink "$s/current" 2>/dev/null || true)
                prev=$(readlink "$s/previous" 2>/dev/null || true)
                run=stopped
                pid=-
                if [ -f "$s/pid" ] && read pid st < "$s/pid"; then
                    if alive "$pid" "$st"; then run=running; else run=dead; fi
                fi
                drift=0
                count=0
                if [ -n "$cur" ] && [ -d "$s/current/" ]; then
                    count=$(find "$s/current/" | wc -l)
                    [ -f "$s/activated" ] && drift=$(find "$s/current/" ! -type d -newer "$s/activated" | wc -l)
                fi
                if [ -f "$s/log" ] && [ "$(wc -c < "$s/log")" -gt \(logCap) ]; then
                    tail -c \(logCap / 2) "$s/log" > "$s/log.tmp" && cat "$s/log.tmp" > "$s/log" && rm -f "$s/log.tmp"
                fi
                printf 'service\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$s" "${cur##*/}" "${prev##*/}" "$run" "$pid" $drift $count
            done

            """
    }

    /// Re-hashes the current release of a service against its expected files (store names and
    /// paths on stdin, one "<store name> <path>" per line) and prints each file that differs.
    public static func verify(_ layout: NodeLayout, service: String) -> String {
        """
        cd \(q(layout.service(service)))/current/ || exit 3
        while IFS=' ' read -r name path; do
            if [ ! -f "$path" ] || [ -h "$path" ]; then echo "missing $path"; continue; fi
            sum=$(sha256sum "$path" | cut -d' ' -f1)
            [ "$sum" = "${name%-*}" ] || echo "modified $path"
        done

        """
    }

    /// Keeps the releases in use (current, previous, the last `keep` of each service's history),
    /// removes the others and every stored file no release links to any more.
    public static func cleanup(_ layout: NodeLayout, keep: Int) -> String {
        """
        cd \(q(layout.root)) || exit 0
        keepers=" "
        for s in services/*; do
            [ -d "$s" ] || continue
            for l in current previous; do
                t=$(readlink "$s/$l" 2>/dev/null || true)
                [ -n "$t" ] && keepers="$keepers${t##*/} "
            done
            if [ -f "$s/history" ]; then
                for d in $(tail -n \(keep) "$s/history"); do keepers="$keepers$d "; done
            fi
        done
        for r in releases/* releases/.tmp-*; do
            [ -d "$r" ] || continue
            case "$keepers" in *" ${r##*/} "*) continue ;; esac
            find "$r" -type d -exec chmod u+w {} +
            rm -rf "$r"
            echo "removed release ${r##*/}"
        done
        [ -d store ] && find store -maxdepth 1 -type f -links 1 -exec rm -f {} +
        exit 0

        """
    }

    // MARK: Inspection

    /// Runs `script` in its own session and process group, and stops that whole group when
    /// the SSH client closes our standard input (on purpose, or because it went away).
    /// Without this, a `tail -f` or an ad-hoc command whose client was interrupted would
    /// keep running on the node until it next wrote something. (Our stdin goes to the watcher
    /// as fd 3: a background job's own stdin is /dev/null in a shell without job control.)
    public static func supervised(_ script: String) -> String {
        """
        exec 3<&0
        setsid sh -c \(q(script)) < /dev/null 3<&- &
        c=$!
        ( cat <&3 > /dev/null; kill -TERM -"$c" 2>/dev/null || kill -TERM "$c" 2>/dev/null ) > /dev/null 2>&1 &
        w=$!
        wait "$c"
        rc=$?
        kill "$w" 2>/dev/null
        exit $rc

        """
    }

    /// Exit status of `logs` when the service has never been on the node.
    public static let notOnNode: Int32 = 3

    /// The last `tail` lines of a service's output (nil: all of it), then with `follow`
    /// what it prints next. Exits `notOnNode` when the service is not on the node.
    public static func logs(_ layout: NodeLayout, service: String, tail: Int?, follow: Bool) -> String {
        let log = q(layout.service(service) + "/log")
        let lines = tail.map { String(max(0, $0)) } ?? "+1"
        let check = """
            [ -d \(q(layout.service(service))) ] || exit \(notOnNode)

            """
        if follow {
            return check + supervised("touch \(log) && exec tail -n \(lines) -f \(log)")
        }
        return check + """
            [ -f \(log) ] || exit 0
            tail -n \(lines) \(log)

            """
    }
}
