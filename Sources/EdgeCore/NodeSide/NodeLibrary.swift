import Crypto
import Foundation

/// The node side of edgectl: `node/edgectl-node.sh`, embedded at build time
/// (`NodeLibrarySource.swift`, written by `scripts/gen-node-lib`).
///
/// A node keeps it as `<root>/lib/node-<sha256>.sh`. Every session's shell checks that
/// file's hash and asks for the library when it is missing or damaged, so a new
/// edgectl version (or a damaged file) costs one transfer, and nothing else is ever
/// sent but small calls to its functions.
public enum NodeLibrary {
    public static let digest: String = BundleScanner.hex(SHA256.hash(data: Data(source.utf8)))

    /// Everything it makes is private (umask 077) but for what a service's own user must reach
    /// (each place says so); a root another user owns or can write to is refused, since they
    /// could plant a library, a release or a unit that edgectl would run.
    ///
    /// The one command a session runs on a node, through the user's login shell (which need
    /// not be POSIX: everything is handed to `sh`). It loads the library, or says `need` and
    /// installs it from its input first, then serves requests (`edge_serve`).
    public static func bootCommand(root: String) -> String {
        (["exec", "sh", "-c", ShellQuote.quote(boot), "edgectl"] + bootArguments(root: root).map(ShellQuote.quote)).joined(separator: " ")
    }

    /// The boot script's arguments: the root, the library's digest, and the root's id (the first
    /// 12 hex digits of its SHA-256, which names its boot hook and systemd units), worked out
    /// here rather than by two more processes on the node per session.
    public static func bootArguments(root: String) -> [String] {
        [root, digest, String(BundleScanner.hex(SHA256.hash(data: Data(root.utf8))).prefix(12))]
    }

    public static let boot = """
        r=$1 h=$2 l=$1/lib/node-$2.sh EDGE_ROOT_ID=$3 EDGE_UID=
        while read -r k u e x; do [ "$k" = Uid: ] && EDGE_UID=$e && break; done 2>/dev/null </proc/self/status
        [ -n "$EDGE_UID" ] || EDGE_UID=$(id -u)
        umask 077
        [ -d "$r" ] || (umask 022 && mkdir -p "$r") || { echo "cannot create the root $r" >&2; exit 71; }
        if [ -n "$(find "$r" -prune \\( ! -user "$EDGE_UID" -o -perm -002 -o -perm -020 \\) -print)" ]; then
            echo "refusing the root $r: it belongs to another user or others can write to it (edgectl runs as $(id -un))" >&2; exit 71; fi
        s=$(sha256sum "$l" 2>/dev/null)
        if [ "${s%% *}" != "$h" ]; then
            echo need
            IFS= read -r n
            mkdir -p "$r/lib" && dd bs=65536 count="$n" iflag=count_bytes,fullblock of="$l.new" 2>/dev/null && mv -f "$l.new" "$l" || {
                echo "cannot install edgectl's node library in $r/lib" >&2; exit 71; }
            s=$(sha256sum "$l")
            [ "${s%% *}" = "$h" ] || { echo "edgectl's node library in $r/lib is damaged right after installing it" >&2; exit 71; }
            for f in "$r"/lib/node-*.sh; do [ "$f" = "$l" ] || rm -f "$f"; done
        fi
        . "$l" && edge_serve "$r" "$l"
        """
}
