# shellcheck shell=sh
# edgectl's node side: the functions edgectl calls on a node, and the loop that
# serves those calls over one SSH channel for a whole run.
#
# Installed on the node as <root>/lib/node-<sha256 of this file>.sh and loaded by
# the session shell (see `boot` in NodeShell.swift). It needs only a POSIX sh and
# tools that coreutils and busybox both have: dd (count_bytes, fullblock),
# sha256sum, tar, find, sort, uniq, sed, awk, ln, mv -T, readlink, setsid, timeout.
#
# Protocol (one request at a time; framing is counts and a per-request nonce, never content):
#   request  "R|S <script lines> <payload length> <nonce>\n" <script> <payload>
#            the script is a call such as `edge_observe 10485760`, every argument
#            single-quoted by edgectl, read line by line with the shell's own `read`;
#            the payload is the call's standard input (R only).
#   reply    <stdout as it is written> "<nonce> <status> <stderr length>\n" <stderr>
#            (the nonce is random per request, so no output can end a reply early)
# The first reply, unasked, is the node's facts (edge_facts), framed
#   "F <lines>\n" <facts>, one fact per line.
# A call costs no process of its own but the subshell it runs in (and dd for its payload,
# when it has one, and cat to drain what a call leaves unread of a payload in a pipe):
# stdout goes straight to edgectl, stderr through a file that is measured only when
# something was written.
#
# Nothing secret is ever an argument: environment files arrive as payloads.
# Names inside <root> that edgectl did not make (a service can create anything in
# its own release) are never split on newlines before they are removed.

# The payload of the current request: exactly $1 bytes of our standard input.
# (busybox head over-reads a pipe; dd with these flags reads no further.)
edge_take() {
    [ "$1" -gt 0 ] || return 0
    dd bs=65536 count="$1" iflag=count_bytes,fullblock 2>/dev/null
}

edge_size() {
    _n=$(wc -c <"$1")
    echo $((_n))
}

# Kernel, machine, OS name and runtime, one line each. The first two cannot change without a
# reboot: kept in lib/uname with the boot's id, so a session does not run uname every time.
edge_facts() {
    _bid=
    read -r _bid 2>/dev/null </proc/sys/kernel/random/boot_id || true
    _un=
    if [ -n "$_bid" ]; then read -r _ub _un 2>/dev/null <"$EDGE_ROOT/lib/uname" || true; fi
    if [ -z "$_un" ] || [ "$_ub" != "$_bid" ]; then
        _un=$(uname -s -m)
        if [ -n "$_bid" ]; then
            { echo "$_bid $_un" >"$EDGE_ROOT/lib/uname.$$" && mv -f "$EDGE_ROOT/lib/uname.$$" "$EDGE_ROOT/lib/uname"; } ||
                rm -f "$EDGE_ROOT/lib/uname.$$"
        fi
    fi
    # shellcheck disable=SC2086 # two words: kernel and machine
    set -- $_un
    printf '%s\n%s\n' "$1" "$2"
    # shellcheck source=/dev/null
    _os=$(. /etc/os-release 2>/dev/null && printf '%s' "$PRETTY_NAME") || _os=
    printf '%s\n' "${_os%%"$_nl"*}"
    edge_runtime
}

# How services run here: "systemd LIMIT...", or "supervisor BOOT" where BOOT is how they come
# back after a reboot (local.d: OpenRC's local service; rc.local; none: not as root,
# so nothing can start them at boot).
edge_runtime() {
    if edge_systemd; then
        # Followed by the limits its cgroups can enforce (none in a container given no controllers).
        _lim=systemd
        for _c in memory cpu; do
            if grep -qw "$_c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null || [ -d "/sys/fs/cgroup/$_c" ]; then _lim="$_lim $_c"; fi
        done
        echo "$_lim"
    elif [ "${EDGE_UID:-$(id -u)}" != 0 ]; then
        echo supervisor none
    elif [ -d "${EDGE_ETC:-/etc}/local.d" ]; then
        echo supervisor local.d
    else
        echo supervisor rc.local
    fi
}

# Serves requests until edgectl closes the channel. Each call runs in a subshell
# with `set -e`, so a failing call ends with its own status and the loop goes on.
edge_serve() {
    EDGE_ROOT=$1
    EDGE_LIB=$2
    # Worked out once per session, not in every call (each is a process or two on the node).
    # (The boot script passes the first two.)
    EDGE_UID=${EDGE_UID:-$(id -u)}
    EDGE_ROOT_ID=${EDGE_ROOT_ID:-$(edge_root_id)}
    EDGE_ROOT_Q=$(edge_q "$EDGE_ROOT")
    _t=$(mktemp -d "${TMPDIR:-/tmp}/edgectl.XXXXXX") || exit 71
    trap 'rm -rf "$_t"' EXIT
    trap 'exit 129' HUP
    trap 'exit 143' TERM
    # A newline, to join the script's lines.
    _nl='
'
    # Into a variable, not a file: no process to measure it or to copy it out.
    _f=$(edge_facts 2>/dev/null)
    printf 'F 4\n%s\n' "$_f"
    while IFS=' ' read -r _tag _slen _plen _nonce; do
        _req=
        while [ "$_slen" -gt 0 ] && IFS= read -r _line; do
            _req=$_req$_line$_nl
            _slen=$((_slen - 1))
        done
        case $_tag in
            R)
                # The announced length of the call's input, for calls that check space first.
                EDGE_INPUT=$_plen
                # The input of a call that takes names and links only (never a secret: a unit
                # or config files stay in pipes, so no copy of them is ever in a file), up to
                # 1 MiB, is taken whole first: nothing can be left unread, so no drain and no
                # pipe. Where even that cannot be kept, the rest of the stream is out of step:
                # the session ends, saying why.
                case $_req in
                    "edge_missing "* | "edge_materialise "* | "edge_materialise_tar "* | "edge_repair "*) _whole=$_plen ;;
                    *) _whole=0 ;;
                esac
                if [ "$_whole" -gt 0 ] && [ "$_whole" -le 1048576 ]; then
                    if ! edge_take "$_plen" >"$_t/i"; then
                        echo "edgectl node library: cannot keep a request's input in $_t (no space?)" >&2
                        exit 74
                    fi
                    (set -e; eval "$_req") <"$_t/i" 2>"$_t/e"
                elif [ "$_plen" -gt 0 ]; then
                    # Whatever the call leaves unread of its payload is drained, so the
                    # next request starts where edgectl wrote it. By cat, at full speed: a
                    # call may leave gigabytes (a push refused for want of space), and the
                    # shell's own read would take them a byte at a time. A call that reads
                    # its input to the end when it succeeds (a tar, a unit) has left at most a
                    # tar's padding then: the shell's read sees the end, and no cat starts.
                    case $_req in
                        "edge_receive$_nl" | "edge_switch "* | "edge_config "*) _reads=1 ;;
                        *) _reads=0 ;;
                    esac
                    edge_take "$_plen" | {
                        (set -e; eval "$_req")
                        _rc=$?
                        if [ "$_rc" != 0 ] || [ "$_reads" = 0 ] || IFS= read -r _x || [ -n "$_x" ]; then cat >/dev/null; fi
                        exit "$_rc"
                    } 2>"$_t/e"
                else
                    (set -e; eval "$_req") </dev/null 2>"$_t/e"
                fi
                edge_reply_end "$_nonce" "$?"
                ;;
            S)
                # fd 3 lets edge_supervised notice when edgectl goes away.
                (set -e; eval "$_req") 3<&0 </dev/null 2>"$_t/e"
                edge_reply_end "$_nonce" "$?"
                ;;
            *)
                echo "edgectl node library: unknown request '$_tag'" >&2
                exit 70
                ;;
        esac
    done
}

# edge_reply_end NONCE STATUS: ends a reply after the call's stdout (see Protocol).
edge_reply_end() {
    if [ -s "$_t/e" ]; then
        printf '%s %s %s\n' "$1" "$2" "$(edge_size "$_t/e")"
        cat "$_t/e"
    else
        printf '%s %s 0\n' "$1" "$2"
    fi
}

# PID is alive, not a zombie, and started at START (clock ticks since boot, field
# 22 of /proc/PID/stat), so a recycled pid is never taken for ours.
edge_alive() {
    [ -n "$2" ] && [ "$2" != - ] && [ -r "/proc/$1/stat" ] || return 1
    _want=$2
    read -r _stat <"/proc/$1/stat" 2>/dev/null || return 1
    # shellcheck disable=SC2086 # split the fields after the command name
    set -- ${_stat##*) }
    [ "$1" != Z ] && [ "${20}" = "$_want" ]
}

edge_start_time() {
    read -r _stat <"/proc/$1/stat" 2>/dev/null || { echo -; return 0; }
    # shellcheck disable=SC2086
    set -- ${_stat##*) }
    echo "${20:--}"
}

# --- the store and releases ---

# Moves verified files from store/.incoming into the store; a file whose content
# does not match its name is deleted and reported. A fixed number of processes
# whatever the number of files.
# "SUM NAME" for each file named, or with none named for every file in this directory
# (through find, which keeps each command line under the system's limit): OpenSSL's SHA-256
# where the node has it (several times faster than coreutils' on most CPUs), else sha256sum.
edge_hash_here() {
    _hash=sha256sum
    if command -v openssl >/dev/null 2>&1; then _hash='openssl dgst -sha256 -r'; fi
    # shellcheck disable=SC2086 # the program and its options
    if [ $# -gt 0 ]; then $_hash "$@"; else find . -maxdepth 1 -type f -exec $_hash {} +; fi
}

edge_promote() {
    set -- ./*
    [ -e "$1" ] || return 0
    # A few files (the usual update) are named to each program, one process each; many go
    # through find.
    [ $# -le 256 ] || set --
    # One line per file: BAD NAME (deleted), or MODE M for a verified file (its name ends in -M).
    _checked=$(edge_hash_here "$@" | while read -r _sum _f; do
        _f=${_f#\*}
        _f=${_f#./}
        if [ "$_sum" = "${_f%-*}" ]; then echo "MODE ${_f##*-}"; else
            rm -f "$_f"
            echo "BAD $_f"
        fi
    done)
    _modes=' '
    set -f
    _ifs=$IFS
    IFS='
'
    for _l in $_checked; do
        case $_l in
            "BAD "*) echo "$_l" ;;
            "MODE "*) case $_modes in *" ${_l#MODE } "*) ;; *) _modes="$_modes${_l#MODE } " ;; esac ;;
        esac
    done
    IFS=$_ifs
    set +f
    if [ $# -gt 0 ]; then
        for _m in $_modes; do chmod "$_m" ./*-"$_m"; done
        set -- ./*
        if [ -e "$1" ]; then mv -f -t .. "$@"; fi
        return 0
    fi
    for _m in $_modes; do
        find . -maxdepth 1 -type f -name "*-$_m" -exec chmod "$_m" {} +
    done
    find . -maxdepth 1 -type f -exec mv -f -t .. {} +
}

# edge_missing RELEASE [verify]; stdin: store names. Prints "=present" when the
# release directory exists, then each name the store lacks (with verify: or holds
# damaged). What an interrupted transfer left complete is promoted first.
edge_missing() {
    if [ -n "$1" ] && [ -d "$EDGE_ROOT/releases/$1" ]; then echo '=present'; fi
    [ -d "$EDGE_ROOT/store/.incoming" ] || mkdir -p "$EDGE_ROOT/store/.incoming"
    cd "$EDGE_ROOT/store/.incoming"
    edge_promote >/dev/null
    cd ..
    if [ "${2:-}" != verify ]; then
        # One process for the whole list: the shell's read takes a byte per system call.
        awk '{ if ((getline _l <$0) < 0) print; else close($0) }'
        return 0
    fi
    while IFS= read -r _n; do
        if [ ! -f "$_n" ]; then
            echo "$_n"
        else
            _sum=$(sha256sum <"$_n")
            if [ "${_sum%% *}" != "${_n%-*}" ]; then
                chmod u+w "$_n"
                rm -f "$_n"
                echo "$_n"
            fi
        fi
    done
}

# stdin: a tar stream of store files. Verified, then promoted. A stream that does not fit
# is refused before a byte is written (status 28, ENOSPC's number), and one that fills the
# disk anyway leaves nothing behind: the previous release stays whole and running.
edge_receive() {
    [ -d "$EDGE_ROOT/store/.incoming" ] || mkdir -p "$EDGE_ROOT/store/.incoming"
    cd "$EDGE_ROOT/store/.incoming"
    _need=$((${EDGE_INPUT:-0} / 1024 + 64))
    # Checked up front for a stream of more than 1 MiB (two processes); a smaller one that
    # does not fit fails in tar and is cleaned up below just the same.
    if [ "$_need" -gt 1088 ]; then
        _free=$(edge_free_kib .)
        if [ -n "$_free" ] && [ "$_free" -lt "$_need" ]; then
            echo "no space left in $EDGE_ROOT: the files need ${_need} KiB, ${_free} KiB are free" >&2
            exit 28
        fi
    fi
    # Stored files keep their modes (0444/0555): a release hard-links them, and a service's
    # own user must read them there. The store directory itself stays private.
    if ! (umask 022 && tar -xf -); then
        find . -mindepth 1 -delete
        _free=$(edge_free_kib .)
        if [ -n "$_free" ] && [ "$_free" -lt "$_need" ]; then
            echo "no space left in $EDGE_ROOT while receiving (${_free} KiB free after cleaning up)" >&2
            exit 28
        fi
        exit 1
    fi
    edge_promote
}

# Free KiB on the filesystem holding DIR (empty when df cannot say).
edge_free_kib() {
    df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# edge_build_start DIGEST [tar]: a fresh releases/.tmp-DIGEST (with tar: only the place for
# it, the archive's first entry makes it).
edge_build_start() {
    _tmp=$EDGE_ROOT/releases/.tmp-$1
    # Releases are readable by everyone (a service may run as its own user); what they hold
    # is what the bundle had, with no secret in it.
    [ -d "$EDGE_ROOT/releases" ] || (umask 022 && mkdir -p "$EDGE_ROOT/releases")
    if [ -d "$_tmp" ]; then
        find "$_tmp" -type d -exec chmod u+w {} +
        rm -rf "$_tmp"
    fi
    [ "${2:-}" = tar ] || (umask 022 && mkdir "$_tmp")
}

# edge_materialise_tar DIGEST [MODE DIR]...; stdin: a tar of releases/.tmp-DIGEST itself, its
# directories, hard links into the store and symlinks. Directories whose mode is not 0755
# are named with their mode (set last: a read-only directory would refuse the links made
# inside it). The release appears complete or not at all.
edge_materialise_tar() {
    _d=$1
    edge_name "$_d"
    shift
    if [ -d "$EDGE_ROOT/releases/$_d" ]; then return 0; fi
    edge_build_start "$_d" tar
    cd "$EDGE_ROOT"
    (umask 022 && tar -xf -)
    [ -d "$_tmp" ] || { echo "the release's archive did not make $_tmp" >&2; exit 1; }
    cd "$_tmp"
    while [ $# -ge 2 ]; do
        chmod "$1" -- "$2"
        shift 2
    done
    cd /
    mv -- "$_tmp" "$EDGE_ROOT/releases/$_d"
}

# edge_materialise DIGEST; stdin: the release's entries, one per line, TAB-separated:
#   d MODE PATH | f STORENAME PATH | l TARGET PATH
# (the fallback when a path is too long for ustar; bundle paths hold no control characters).
edge_materialise() {
    _d=$1
    edge_name "$_d"
    if [ -d "$EDGE_ROOT/releases/$_d" ]; then return 0; fi
    edge_build_start "$_d"
    cat >"$_t/entries"
    cd "$_tmp"
    while IFS="$(printf '\t')" read -r _k _a _p; do
        case $_k in
            d) mkdir -p -- "$_p" ;;
            f) ln -- "$EDGE_ROOT/store/$_a" "$_p" ;;
            l) ln -s -- "$_a" "$_p" ;;
        esac
    done <"$_t/entries"
    edge_dir_modes <"$_t/entries"
    cd /
    mv -- "$_tmp" "$EDGE_ROOT/releases/$_d"
}

# Sets directory modes from "d MODE PATH" lines, deepest first.
edge_dir_modes() {
    grep "^d$(printf '\t')" | sort -r -t "$(printf '\t')" -k 3 | while IFS="$(printf '\t')" read -r _k _a _p; do
        chmod "$_a" -- "$_p"
    done
}

# edge_repair DIGEST; stdin: the release's entries (as edge_materialise). Puts an
# existing release directory back as the release has it, in place (it may be
# `current`): extra entries removed, missing or replaced ones linked again from
# the store, symlinks re-made. Only paths inside the release are ever removed.
# A service name or release digest names one entry of a directory, never a path: the engine
# checks every value it sends, and this keeps one that slipped past from reaching `rm -rf`.
edge_name() {
    case $1 in
    '' | *[!A-Za-z0-9_-]*)
        echo "refused: \"$1\" is not a service name or release digest" >&2
        exit 2
        ;;
    esac
}

edge_repair() {
    edge_name "$1"
    cd "$EDGE_ROOT/releases/$1"
    _top=$(pwd -P)
    cat >"$_t/entries"
    find . -type d -exec chmod u+w {} +
    # A release never has a name with a control character (bundles refuse them), and
    # such a name would break the line-based comparison below: remove each first,
    # passed whole as its own argument. find does not follow symlinks.
    find . -mindepth 1 -name '*[[:cntrl:]]*' -prune -exec rm -rf -- {} +
    _tab=$(printf '\t')
    sed "s|^[^${_tab}]*${_tab}[^${_tab}]*${_tab}|./|" "$_t/entries" | sort >"$_t/want"
    find . -mindepth 1 | sort >"$_t/have"
    # Present but not wanted: the lines seen once when the wanted ones count twice
    # (comm is not in every busybox). Deepest first.
    cat "$_t/want" "$_t/want" "$_t/have" | sort | uniq -u | sort -r | while IFS= read -r _p; do
        case $_p in ./*) ;; *) continue ;; esac
        _parent=${_p%/*}
        [ "$(cd -P -- "$_parent" 2>/dev/null && pwd -P)" = "$_top${_parent#.}" ] || continue
        rm -rf -- "$_p"
    done
    while IFS="$_tab" read -r _k _a _p; do
        case $_k in
            d)
                if [ -h "$_p" ] || [ ! -d "$_p" ]; then
                    rm -rf -- "$_p"
                    mkdir -- "$_p"
                fi
                ;;
            f)
                _s=$EDGE_ROOT/store/$_a
                # -ef (same file) is not in POSIX but in dash, bash and busybox ash alike.
                # shellcheck disable=SC3013
                if [ -h "$_p" ] || [ ! "$_p" -ef "$_s" ]; then
                    rm -rf -- "$_p"
                    ln -- "$_s" "$_p"
                    echo "relinked $_p"
                fi
                ;;
            l)
                if [ ! -h "$_p" ] || [ "$(readlink -- "$_p")" != "$_a" ]; then
                    rm -rf -- "$_p"
                    ln -s -- "$_a" "$_p"
                fi
                ;;
        esac
    done <"$_t/entries"
    edge_dir_modes <"$_t/entries"
}

# edge_verify SERVICE; stdin: "STORENAME PATH" per file. Re-hashes the current
# release and prints each file that differs.
edge_verify() {
    cd "$EDGE_ROOT/services/$1/current/" || exit 3
    while IFS=' ' read -r _name _path; do
        if [ ! -f "$_path" ] || [ -h "$_path" ]; then
            echo "missing $_path"
            continue
        fi
        _sum=$(sha256sum <"$_path")
        [ "${_sum%% *}" = "${_name%-*}" ] || echo "modified $_path"
    done
}

# edge_cleanup KEEP: keeps releases in use (current, previous, the last KEEP of each
# service's history), removes the others and every stored file no release links to.
edge_cleanup() {
    cd "$EDGE_ROOT" 2>/dev/null || return 0
    _keep=" "
    for _s in services/*; do
        [ -d "$_s" ] || continue
        for _l in current previous; do
            edge_release_of "$_s/$_l"
            [ -n "$_rel" ] && _keep="$_keep$_rel "
        done
        if [ -f "$_s/history" ]; then
            for _x in $(tail -n "$1" "$_s/history"); do _keep="$_keep$_x "; done
        fi
    done
    for _r in releases/* releases/.tmp-*; do
        [ -d "$_r" ] || continue
        case $_keep in *" ${_r##*/} "*) continue ;; esac
        find "$_r" -type d -exec chmod u+w {} +
        rm -rf -- "$_r"
        echo "removed release ${_r##*/}"
    done
    if [ -d store ]; then find store -maxdepth 1 -type f -links 1 -exec rm -f {} +; fi
}

# --- services ---

# edge_release_of LINK: sets _rel to the release a service's link names (the last part of its
# target), or to nothing. By `cd -P` and back where the release is there (no process);
# readlink for a link whose release is gone.
edge_release_of() {
    _rel=
    [ -h "$1" ] || return 0
    _back=$PWD
    case $1 in /*) _lp=$1 ;; *) _lp=./$1 ;; esac
    if cd -P "$_lp" 2>/dev/null; then
        _rel=${PWD##*/}
        cd "$_back"
    else
        _rel=$(readlink "$1" 2>/dev/null) || _rel=
        _rel=${_rel##*/}
    fi
}

# The unit digest a unit file names (its EDGE_UNIT line), or nothing.
edge_unit_of() {
    edge_unit_value EDGE_UNIT "$1"
}

# edge_activate SERVICE DIGEST UNIT: makes .next/unit (the unit UNIT, running release
# DIGEST) the service's unit, keeping the one before as unit.prev and its release as
# `previous`, so a rollback restores the whole unit. The new links are made in .next and
# renamed over the old ones with the unit by one mv, in this order: previous, current, unit
# (each rename replaces a link or file at once; mv -t never moves into a linked directory).
# The same unit again changes nothing.
edge_activate() {
    _s=$EDGE_ROOT/services/$1
    _n=$_s/.next
    _adig=$2
    _target=../../releases/$2
    [ -d "$EDGE_ROOT/releases/$2" ] || { echo "release $2 is not on this node" >&2; exit 3; }
    [ -d "$_n" ] || (umask 066 && mkdir -p "$_n")
    edge_release_of "$_s/current"
    _cur=${_rel:+../../releases/$_rel}
    if [ "$(edge_unit_of "$_s/unit")" = "$3" ] && [ "$_cur" = "$_target" ]; then
        if [ -e "$_n/unit" ]; then rm -f "$_n/unit"; fi
        : >"$_s/activated"
        return 0
    fi
    if [ -h "$_n/previous" ] || [ -h "$_n/current" ]; then rm -f "$_n/previous" "$_n/current"; fi
    ln -s "$_target" "$_n/current"
    set -- "$_n/current"
    if [ -n "$_cur" ]; then
        ln -s "$_cur" "$_n/previous"
        set -- "$_n/previous" "$@"
        # A unit that is not ours to run (edge_unit_trusted) is never kept to go back to.
        if edge_unit_trusted "$_s/unit"; then mv -f "$_s/unit" "$_s/unit.prev"; elif [ -e "$_s/unit.prev" ] || [ -e "$_s/unit" ]; then rm -f "$_s/unit.prev"; fi
    fi
    if [ -f "$_n/unit" ]; then set -- "$@" "$_n/unit"; fi
    mv -f -t "$_s" "$@"
    edge_config_prune "$_s"
    echo "$_adig" >>"$_s/history"
    if [ -e "$_s/restarts" ] || [ -e "$_s/exit" ]; then rm -f "$_s/restarts" "$_s/exit"; fi
    # Emptied, not touched: opening it to truncate dates it now, with no process.
    : >"$_s/activated"
}

# --- confirmed activation ---

# edge_arm SERVICE NONCE SECONDS UNIT: records the attempt (its nonce, deadline and the unit
# it switches to) and starts its watchdog, detached like a supervisor. A newer attempt
# replaces the file, so an older watchdog finds another nonce and does nothing.
edge_arm() {
    _a=$EDGE_ROOT/services/$1
    [ -d "$_a" ] || mkdir -p "$_a"
    _armed=$(date +%s)
    echo "$2 $((_armed + $3)) $4" >"$_a/attempt.new"
    mv -f "$_a/attempt.new" "$_a/attempt"
    if [ -e "$_a/reverted" ]; then rm -f "$_a/reverted"; fi
    echo "$2 armed $_armed" >>"$_a/attempts"
    edge_boot_install
    # The watchdog loads the library only when it wakes (a confirmed attempt's is stopped
    # before: see edge_confirm), and then the one in place (a newer edgectl may have replaced
    # this one meanwhile); it calls edge_expire, which the boot script calls too.
    # shellcheck disable=SC2016 # expanded by the watchdog's shell
    setsid sh -c 'sleep "$5"
        for l in "$1" "$2"/lib/node-*.sh; do [ -f "$l" ] && EDGE_LIB=$l && . "$l" && break; done &&
            EDGE_ROOT=$2 && edge_expire "$3" "$4" "not confirmed within ${5}s"' \
        edgectl-watchdog "$EDGE_LIB" "$EDGE_ROOT" "$1" "$2" "$3" </dev/null >/dev/null 2>&1 3<&- &
    # Its own process group (setsid runs in the same process): "PID START NONCE" for edge_confirm.
    echo "$! $(edge_start_time "$!") $2" >"$_a/watchdog"
}

# edge_take_attempt SERVICE NONCE [keep]: takes the attempt file if it holds NONCE (a rename,
# so the watchdog and a confirmation never both take it); prints the unit the attempt
# switched to. With keep, the taken file stays as attempt.taken-$$ for the caller to finish.
edge_take_attempt() {
    _a=$EDGE_ROOT/services/$1
    # Looked at before it is moved: a taker with another nonce (an earlier attempt's watchdog
    # waking late) must never move the pending attempt away, not even for a moment, or a
    # confirmation arriving just then would find nothing pending.
    { read -r _an _ad _au <"$_a/attempt"; } 2>/dev/null || return 1
    [ "$_an" = "$2" ] || return 1
    mv "$_a/attempt" "$_a/attempt.taken-$$" 2>/dev/null || return 1
    read -r _an _ad _au <"$_a/attempt.taken-$$" || true
    if [ "$_an" != "$2" ]; then
        # Another attempt's: put it back untouched.
        mv "$_a/attempt.taken-$$" "$_a/attempt"
        return 1
    fi
    if [ "${3:-}" != keep ]; then rm -f "$_a/attempt.taken-$$"; fi
    echo "$_au"
}

# edge_expire SERVICE NONCE REASON: the attempt was not confirmed: back to the previous unit
# (stop, swap, start) if the attempt's unit is the one in place, and say why in `reverted`.
edge_expire() {
    _e=$EDGE_ROOT/services/$1
    _eu=$(edge_take_attempt "$1" "$2") || return 0
    _what=reverted
    if [ "$(edge_unit_of "$_e/unit")" = "$_eu" ]; then
        edge_stop "$1" 10
        if [ -e "$_e/previous" ] && edge_rollback "$1" >/dev/null 2>&1; then
            edge_start "$1" >/dev/null
        else
            _what=stopped
        fi
    fi
    _at=$(date +%s)
    # Renamed into place: an observe at this moment reads the whole reason or none.
    echo "$_at $_what: $3" >"$_e/reverted.new"
    mv -f "$_e/reverted.new" "$_e/reverted"
    echo "$2 $_what $_at $3" >>"$_e/attempts"
}

# edge_confirm SERVICE NONCE [port PORT | marker]: commits the attempt NONCE (its watchdog then
# finds nothing to do). Fails (4) when that attempt is not the one pending: reverted,
# superseded, or unknown. The proof that a connection opened after the switch got in:
# "port PORT", that connection's remote forward listening on PORT (exit 5 when this node does
# not see it, nothing changed: edgectl tries another proof); "marker", the file
# services/SERVICE/confirm-NONCE it created over SFTP (named by this attempt's nonce, so one
# left by an earlier attempt never counts); none, the call itself comes over that connection.
edge_confirm() {
    _c=$EDGE_ROOT/services/$1
    case ${3:-} in
        '') ;;
        port)
            if ! edge_listening "$4"; then
                echo "no connection opened after the switch is seen listening on port $4 of this node" >&2
                exit 5
            fi
            ;;
        marker)
            if [ ! -f "$_c/confirm-$2" ]; then
                echo "no confirmation of attempt $2 arrived over a new connection" >&2
                exit 4
            fi
            rm -f "$_c/confirm-"*
            ;;
        *)
            echo "not a proof edgectl knows: $3" >&2
            exit 4
            ;;
    esac
    if ! edge_take_attempt "$1" "$2" keep >/dev/null; then
        echo "attempt $2 is not pending on this node (reverted, superseded or never armed)" >&2
        exit 4
    fi
    # Committed once the log says so (a rollback looks for the line): where it cannot be
    # written (a full disk) the attempt is put back, pending, and its watchdog takes it back.
    if ! echo "$2 committed $(date +%s) by ${3:-shell}" >>"$_c/attempts"; then
        mv "$_c/attempt.taken-$$" "$_c/attempt"
        echo "attempt $2 could not be recorded as committed on this node (no space?); it stays pending" >&2
        exit 4
    fi
    rm -f "$_c/attempt.taken-$$"
    # Its watchdog would wake to find nothing to do: stopped now, with its sleep (the pid
    # and start time name that very process group, never a recycled pid; the nonce, this
    # attempt's watchdog, not a newer one's).
    if read -r _wp _ws _wn 2>/dev/null <"$_c/watchdog" && [ "$_wn" = "$2" ] && edge_alive "$_wp" "$_ws"; then
        kill -TERM -"$_wp" 2>/dev/null || true
    fi
    echo committed
}

# edge_listening PORT: whether a socket listens on port PORT of 127.0.0.1 or of every address
# (sshd binds a remote forward there, whatever was asked, under `GatewayPorts yes`), from
# /proc/net/tcp, which shows an address as the kernel holds it: 0100007F on little-endian
# nodes, 7F000001 on big-endian ones. Only the connection that asked holds a port the kernel
# gave it, for as long as it stays open. (EDGE_PROC stands for /proc in the node library's
# own tests.)
# The kernel writes that file as it is read, listening sockets first, and reaching its end
# means walking every bucket of the established-connection table (4-5 ms of CPU on a node
# with 24 GiB, however few sockets it holds: awk paid that on every confirmation). dash
# and busybox read a byte at a time, so the loop stops the kernel at the line it looks
# for, or at the first connection (established or closing: never among the listeners;
# the session's own is always there) when it is not there. bash 5 reads ahead a block and
# seeks back after every line, which would make the kernel produce the whole file again
# for each: it reads the file once, whole. No `printf` for the hexadecimal port: its
# command substitution would be a fork. A port edgectl sends has no leading zero (shell
# arithmetic would read one as octal).
edge_listening() {
    case $1 in '' | *[!0-9]* | ??????* | 0?*) return 1 ;; esac
    [ "$1" -le 65535 ] || return 1
    _nt=${EDGE_PROC:-/proc}/net/tcp
    [ -r "$_nt" ] || return 1
    _ln=$1 _lp=
    for _ in 1 2 3 4; do
        _ld=$((_ln % 16))
        case $_ld in 10) _ld=A ;; 11) _ld=B ;; 12) _ld=C ;; 13) _ld=D ;; 14) _ld=E ;; 15) _ld=F ;; esac
        _lp=$_ld$_lp
        _ln=$((_ln / 16))
    done
    _ll=
    if [ -n "${BASH_VERSION:-}" ]; then
        # shellcheck disable=SC3045 # bash only
        IFS= read -r -d '' _ll <"$_nt" || true
        edge_listed "$_ll"
        return
    fi
    while IFS= read -r _ll || [ -n "$_ll" ]; do
        if edge_listed "$_ll"; then return 0; fi
        case $_ll in *": "????????:????" "????????:????" "0[16]" "*) return 1 ;; esac
    done <"$_nt"
    return 1
}

# edge_listed TEXT: whether TEXT, lines of /proc/net/tcp, has a listener on port $_lp (hex):
# no remote end, state 0A (LISTEN).
edge_listed() {
    case $1 in
        *" 0100007F:$_lp 00000000:0000 0A "* | *" 7F000001:$_lp 00000000:0000 0A "* | *" 00000000:$_lp 00000000:0000 0A "*) return 0 ;;
    esac
    return 1
}

# Keeps the config directories of the unit and the previous one (a rollback brings it back).
# With `all`, keeps none (the service is being removed).
edge_config_prune() {
    [ -d "$1/config" ] || return 0
    _keep1=''
    _keep2=''
    if [ "${2:-}" != all ]; then
        _keep1=$(edge_unit_of "$1/unit")
        _keep2=$(edge_unit_of "$1/unit.prev")
    fi
    for _cd in "$1"/config/* "$1"/config/.tmp-*; do
        if [ ! -d "$_cd" ] || [ -h "$_cd" ]; then continue; fi
        case ${_cd##*/} in "$_keep1" | "$_keep2") ;; *) edge_config_drop "$_cd" ;; esac
    done
}

# edge_config_drop DIR: removes a unit's config directory with its owner's rights only. A
# service's user owns that tree and can swap a directory in it for a link while root's rm
# walks it (busybox rm follows such a race out of the tree): its contents are removed as
# that user, then the emptied directory by us (rmdir follows nothing). One the user filled
# again meanwhile stays, for the next prune.
edge_config_drop() {
    if [ -O "$1" ]; then
        rm -rf -- "$1"
        return 0
    fi
    _own=$(stat -c %U "$1" 2>/dev/null) || return 0
    (edge_as "$_own" rm -rf -- "$1") </dev/null >/dev/null 2>&1 || true
    rmdir "$1" 2>/dev/null || true
}

# edge_rollback SERVICE [UNIT [NONCE]]: swaps current and previous, and the units with them (no
# transfer); prints the digest now current. With UNIT, only when that unit is in place
# (else prints "unchanged": the node is elsewhere already, e.g. it went back by itself).
edge_rollback() {
    edge_name "$1"
    _s=$EDGE_ROOT/services/$1
    # With NONCE (edgectl rolling back an attempt it armed): take the attempt first, so the
    # node's watchdog finds nothing to revert. If the watchdog took it first, it is going back
    # by itself: wait for its word and swap nothing (both swapping would land on the new unit
    # again). A committed attempt has nothing pending: roll back as asked.
    if [ -n "${3:-}" ] && ! edge_take_attempt "$1" "$3" >/dev/null && ! grep -q "^$3 committed" "$_s/attempts" 2>/dev/null; then
        _i=0
        while ! grep -q "^$3 \(reverted\|stopped\)" "$_s/attempts" 2>/dev/null && [ "$_i" -lt 3000 ]; do
            sleep 0.01
            _i=$((_i + 1))
        done
        echo "unchanged $(edge_unit_of "$_s/unit")"
        return 0
    fi
    if [ -n "${2:-}" ] && [ "$(edge_unit_of "$_s/unit")" != "$2" ]; then
        echo "unchanged $(edge_unit_of "$_s/unit")"
        return 0
    fi
    _prev=$(readlink "$_s/previous" 2>/dev/null) || { echo "no previous release to roll back to" >&2; exit 3; }
    [ -d "$_s/previous/" ] || { echo "the previous release is no longer on this node" >&2; exit 3; }
    _cur=$(readlink "$_s/current")
    rm -f "$_s/.current.new" "$_s/.previous.new" "$_s/attempt"
    ln -s "$_prev" "$_s/.current.new"
    mv -fT "$_s/.current.new" "$_s/current"
    ln -s "$_cur" "$_s/.previous.new"
    mv -fT "$_s/.previous.new" "$_s/previous"
    if [ -f "$_s/unit.prev" ]; then
        mv -f "$_s/unit.prev" "$_s/unit.swap"
        if [ -f "$_s/unit" ]; then mv -f "$_s/unit" "$_s/unit.prev"; fi
        mv -f "$_s/unit.swap" "$_s/unit"
    fi
    echo "${_prev##*/}" >>"$_s/history"
    rm -f "$_s/restarts" "$_s/exit"
    : >"$_s/activated"
    echo "${_prev##*/}"
}

# --- systemd nodes ---

# Services run as systemd units where PID 1 is systemd and we are root; elsewhere under
# edge_supervise. A service's `systemd` file says which way it was started.
edge_systemd() {
    [ -d /run/systemd/system ] && [ "${EDGE_UID:-$(id -u)}" = 0 ] && command -v systemctl >/dev/null 2>&1
}

# edge_unit_trusted FILE: whether FILE is a unit root may read and source: a regular file
# (not a link) of ours, in this version's form (its first line). Older versions chowned a
# unit with run.user to that user (systemd's sh read it as the user), who could then write
# into it what root sourced next: such a unit, and any other, reads as no unit at all (no
# digest, so the plan replaces it; no start, so nothing in it runs).
edge_unit_trusted() {
    [ -f "$1" ] && [ ! -h "$1" ] && [ -O "$1" ] || return 1
    _uf=
    { read -r _uf <"$1"; } 2>/dev/null || true
    [ "$_uf" = "EDGE_FORM='2'" ]
}

# edge_unit_value NAME FILE: NAME's value in a trusted unit file (NAME='VALUE'), read by the
# shell itself: the EDGE_* lines come first, so it stops at the environment's first `export`.
edge_unit_value() {
    edge_unit_trusted "$2" || return 0
    while IFS= read -r _uv || [ -n "$_uv" ]; do
        case $_uv in
            "$1='"*"'")
                _uv=${_uv#"$1='"}
                printf '%s\n' "${_uv%\'}"
                return 0
                ;;
            export\ * | set\ *) return 0 ;;
        esac
    done <"$2"
}

# A word for a systemd unit file: double-quoted, with systemd's own expansions ($, %) escaped
# and a newline written as \n (systemd's C escapes; a line of its own would end the setting).
edge_sd_word() {
    printf '"'
    printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/\$/$$/g; s/%/%%/g' | awk 'BEGIN { ORS = "" } NR > 1 { print "\\n" } { print }'
    printf '"'
}

# edge_sd_env SERVICE: writes services/SERVICE/env, systemd's EnvironmentFile= for the
# service: its unit (ours) sourced in a subshell, each name in EDGE_ENV written as
# NAME="VALUE" with systemd's escapes in double quotes (\, ", `, $; a newline stays as it is).
# Root's file, read by systemd before it drops privileges: the values reach the service's
# process without a file its user can write. Values travel by pipe, never as an argument.
edge_sd_env() {
    _s=$EDGE_ROOT/services/$1
    (
        umask 077
        rm -f "$_s/env.new"
        # shellcheck source=/dev/null
        . "$_s/unit"
        for _en in $EDGE_ENV; do
            case $_en in '' | [0-9]* | *[!A-Za-z0-9_]*) continue ;; esac
            _ev=''
            eval "_ev=\${$_en-}"
            printf '%s="' "$_en"
            printf '%s' "$_ev" | sed 's/[\\"`$]/\\&/g'
            printf '"\n'
        done >"$_s/env.new"
    )
    mv -f "$_s/env.new" "$_s/env"
}

# edge_sd_unit SERVICE: the systemd unit that runs the service as its unit file says: the
# environment from edge_sd_env's file, the command as ExecStart's words (no secret: a
# manifest's command is shown in every plan), the user as root's unit names it.
edge_sd_unit() {
    _s=$EDGE_ROOT/services/$1
    _restart=$(edge_unit_value EDGE_RESTART "$_s/unit")
    [ "$_restart" != never ] || _restart=no
    _stop=$(edge_unit_value EDGE_STOP_TIMEOUT "$_s/unit")
    printf '[Unit]\nDescription=edgectl service %s\nAfter=network.target\nStartLimitIntervalSec=0\n\n' "$1"
    printf '[Service]\n'
    # A path as it is (systemd takes the whole value, unquoted), but for its % specifiers.
    printf 'EnvironmentFile=%s\n' "$(printf '%s' "$_s/env" | sed 's/%/%%/g')"
    # shellcheck disable=SC2016 # for the unit's own sh
    printf 'ExecStart=/bin/sh -c %s %s' "$(edge_sd_word 'cd -P "$0" && exec "$@"')" "$(edge_sd_word "$_s/current")"
    (
        # shellcheck source=/dev/null
        . "$_s/unit"
        for _w; do printf ' %s' "$(edge_sd_word "$_w")"; done
    )
    printf '\n'
    printf 'Restart=%s\nRestartSec=1\nTimeoutStopSec=%s\nKillMode=control-group\n' "${_restart:-always}" "${_stop:-10}"
    _user=$(edge_unit_value EDGE_USER "$_s/unit")
    [ -z "$_user" ] || printf 'User=%s\n' "$_user"
    _mem=$(edge_unit_value EDGE_MEMORY_MAX "$_s/unit")
    [ -z "$_mem" ] || printf 'MemoryMax=%s\nMemorySwapMax=0\n' "$_mem"
    _cpu=$(edge_unit_value EDGE_CPU_QUOTA "$_s/unit")
    [ -z "$_cpu" ] || printf 'CPUQuota=%s%%\n' "$_cpu"
    # Output goes to the journal (`edgectl logs` reads it with journalctl).
    printf '\n[Install]\nWantedBy=multi-user.target\n'
}

edge_sd_start() {
    _s=$EDGE_ROOT/services/$1
    _u=/etc/systemd/system/edgectl-$1.service
    edge_sd_env "$1"
    edge_sd_unit "$1" >"$_u.new"
    mv -f "$_u.new" "$_u"
    : >"$_s/systemd"
    systemctl daemon-reload
    systemctl enable --quiet "edgectl-$1.service" 2>/dev/null
    systemctl restart "edgectl-$1.service"
    systemctl show -p MainPID --value "edgectl-$1.service"
}

# On a systemd node the boot script runs from a oneshot unit of this root's, which takes
# back an attempt left unconfirmed by a reboot (its watchdog did not survive it).
edge_sd_boot_unit() {
    echo "edgectl-boot-$(edge_root_id).service"
}

edge_sd_boot_install() {
    _bu=/etc/systemd/system/$(edge_sd_boot_unit)
    [ -f "$_bu" ] && return 0
    printf '[Unit]\nDescription=edgectl: take back unconfirmed attempts under %s\nAfter=local-fs.target\n\n' "$EDGE_ROOT" >"$_bu.new"
    printf '[Service]\nType=oneshot\nExecStart=/bin/sh %s\n\n[Install]\nWantedBy=multi-user.target\n' \
        "$(edge_sd_word "$EDGE_ROOT/boot")" >>"$_bu.new"
    mv -f "$_bu.new" "$_bu"
    systemctl daemon-reload
    systemctl enable --quiet "$(edge_sd_boot_unit)" 2>/dev/null
}

edge_sd_boot_remove() {
    _bu=/etc/systemd/system/$(edge_sd_boot_unit)
    [ -f "$_bu" ] || return 0
    systemctl disable --quiet "$(edge_sd_boot_unit)" 2>/dev/null || true
    rm -f "$_bu"
    systemctl daemon-reload
}

edge_sd_stop() {
    if [ -f "/etc/systemd/system/edgectl-$1.service" ]; then
        systemctl stop "edgectl-$1.service" 2>/dev/null || true
    fi
}

edge_sd_remove() {
    _u=/etc/systemd/system/edgectl-$1.service
    [ -f "$_u" ] || return 0
    systemctl disable --quiet --now "edgectl-$1.service" 2>/dev/null || true
    rm -f "$_u"
    systemctl daemon-reload
    systemctl reset-failed "edgectl-$1.service" 2>/dev/null || true
}

# edge_sd_observe SERVICE: "STATE PID RESTARTS RECENT EXIT EXITED WHY" from systemd
# (WHY: its Result, such as oom-kill, or - ).
edge_sd_observe() {
    systemctl show -p ActiveState -p SubState -p MainPID -p NRestarts -p ExecMainStatus -p ExecMainExitTimestampMonotonic -p Result \
        -p ExecMainStartTimestampMonotonic \
        "edgectl-$1.service" 2>/dev/null | awk -F= -v now="$(date +%s)" -v up="$(cut -d' ' -f1 /proc/uptime)" '
        { v[$1] = $2 }
        END {
            state = (v["ActiveState"] == "active" && v["SubState"] == "running") ? "running" : \
                (v["ActiveState"] == "inactive" && v["NRestarts"] == 0 && v["ExecMainExitTimestampMonotonic"] == 0) ? "stopped" : "dead"
            pid = (v["MainPID"] > 0) ? v["MainPID"] : "-"
            restarts = v["NRestarts"] + 0
            # systemd keeps no restart times: a crash loop is 5 restarts and a process that is
            # down or up for less than 60 s (so a look in the instant it runs sees it too).
            upfor = up - v["ExecMainStartTimestampMonotonic"] / 1000000
            recent = (restarts >= 5 && (state != "running" || upfor < 60)) ? restarts : 0
            mono = v["ExecMainExitTimestampMonotonic"] + 0
            if (mono > 0) { code = v["ExecMainStatus"]; at = int(now - (up - mono / 1000000)) } else { code = "-"; at = "-" }
            why = (v["Result"] == "" || v["Result"] == "success") ? "-" : v["Result"]
            printf "%s %s %d %d %s %s %s\n", state, pid, restarts, recent, code, at, why
        }'
}

# edge_start SERVICE: starts the service's supervisor, detached (own session, every
# descriptor redirected), and prints "<pid> <start time>" of the supervisor. What
# runs, with which environment and restart policy, is the service's unit file.
edge_start() {
    _s=$EDGE_ROOT/services/$1
    [ -f "$_s/unit" ] || { echo "$1 has no unit on this node" >&2; exit 3; }
    edge_unit_trusted "$_s/unit" || { echo "$1: its unit is not one this edgectl wrote (another owner, or an older form); apply again" >&2; exit 3; }
    if edge_systemd; then
        edge_sd_start "$1"
        return 0
    fi
    edge_boot_install
    # Back once the service's own process is started (or the supervisor gave up), so a
    # health check that follows never looks before there is anything to look at: the
    # supervisor holds this substitution's pipe (its fd 4) until then, and the shell reads
    # to its end; no polling.
    # It loads the library in place: the one this session loaded may have been replaced by a
    # newer edgectl's since (a watchdog or the boot script starting a supervisor).
    [ -f "$EDGE_LIB" ] || for _l in "$EDGE_ROOT"/lib/node-*.sh; do [ -f "$_l" ] && EDGE_LIB=$_l && break; done
    # shellcheck disable=SC2016 # expanded by the supervisor's shell
    _pid=$(setsid sh -c 'EDGE_LIB=$1 && . "$1" && edge_supervise "$2" "$3"' edgectl-supervisor "$EDGE_LIB" "$EDGE_ROOT" "$1" \
        4>&1 >>"$_s/log" 2>&1 </dev/null 3<&- &
        echo "$!")
    _st=$(edge_start_time "$_pid")
    # The supervisor wrote its pid file with its child's before it let go of fd 4. Written
    # here when it did not (it died before its first start, or it is an older library's,
    # found in place of this one), so the pid file always names the supervisor started.
    _fp=
    { read -r _fp _ <"$_s/pid"; } 2>/dev/null || true
    if [ "$_fp" != "$_pid" ]; then
        echo "$_pid $_st" >"$_s/pid.new"
        mv -f "$_s/pid.new" "$_s/pid"
    fi
    echo "$_pid $_st"
}

# --- coming back after a reboot (nodes without systemd) ---

# <root>/boot starts every service of this root that is not running; one line in the node's boot hook runs it: OpenRC's
# /etc/local.d/edgectl-<id>.start, else /etc/rc.local (made when missing).
edge_boot_line() {
    _rq=${EDGE_ROOT_Q:-$(edge_q "$EDGE_ROOT")}
    printf '[ -x %s/boot ] && %s/boot & # edgectl %s\n' "$_rq" "$_rq" "$(edge_root_id)"
}

edge_root_id() {
    if [ -n "${EDGE_ROOT_ID:-}" ]; then
        echo "$EDGE_ROOT_ID"
        return 0
    fi
    printf '%s' "$EDGE_ROOT" | sha256sum | cut -c1-12
}

# A single-quoted shell word (no backslashes: shells disagree on them inside "…").
edge_q() {
    case $1 in
        *\'*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\"'\"'/g")" ;;
        *) printf "'%s'" "$1" ;;
    esac
}

# The init's configuration lives in EDGE_ETC (/etc; the node library's own tests point
# it at a directory of theirs, so they never touch the machine's boot).
edge_boot_hook() {
    _etc=${EDGE_ETC:-/etc}
    case $(edge_runtime) in
        "supervisor local.d") echo "$_etc/local.d/edgectl-$(edge_root_id).start" ;;
        "supervisor rc.local") echo "$_etc/rc.local" ;;
    esac
}

edge_boot_install() {
    # Once per call: a switch arms (edge_arm) and starts (edge_start), and both make sure.
    [ -z "${_edge_boot_done:-}" ] || return 0
    _edge_boot_done=1
    _rq=${EDGE_ROOT_Q:-$(edge_q "$EDGE_ROOT")}
    # The script's second line says which root and which form it is: written again only
    # when that line is not the one this library writes (a file from an older form, or none).
    _mark="# edgectl boot 2 for $_rq"
    _have=
    if [ -x "$EDGE_ROOT/boot" ]; then { read -r _have && read -r _have; } <"$EDGE_ROOT/boot" || _have=; fi
    if [ "$_have" != "$_mark" ]; then
        {
            echo '#!/bin/sh'
            echo "$_mark"
            echo '# Written by edgectl: starts the services of this root that are not running,'
            echo '# with the node library in place (each session keeps one, the newest).'
            printf 'for l in %s/lib/node-*.sh; do\n' "$_rq"
            # shellcheck disable=SC2016 # expanded when the node boots
            printf '    [ -f "$l" ] && exec sh -c %s "$l" %s </dev/null >/dev/null 2>&1\ndone\n' \
                \''EDGE_LIB=$0 && . "$0" && edge_boot "$1"'\' "$_rq"
        } >"$EDGE_ROOT/boot.new"
        chmod 755 "$EDGE_ROOT/boot.new"
        mv -f "$EDGE_ROOT/boot.new" "$EDGE_ROOT/boot"
    fi
    if edge_systemd; then
        edge_sd_boot_install
        return 0
    fi
    _hook=$(edge_boot_hook)
    [ -n "$_hook" ] || return 0
    _line=$(edge_boot_line)
    if [ -f "$_hook" ] && edge_has_line "$_hook" "$_line"; then return 0; fi
    if [ ! -f "$_hook" ]; then
        printf '#!/bin/sh\n# made by edgectl\n%s\nexit 0\n' "$_line" >"$_hook.new"
    else
        # Before the hook's final `exit 0`, if it has one.
        awk -v line="$_line" '{ l[NR] = $0 } /^[[:space:]]*exit 0[[:space:]]*$/ { last = NR }
            END { for (i = 1; i <= NR; i++) { if (i == last) print line; print l[i] } if (!last) print line }' "$_hook" >"$_hook.new"
    fi
    chmod 755 "$_hook.new"
    mv -f "$_hook.new" "$_hook"
}

# edge_has_line FILE LINE: whether FILE has LINE as one of its lines (read by the shell itself).
edge_has_line() {
    while IFS= read -r _hl || [ -n "$_hl" ]; do
        [ "$_hl" != "$2" ] || return 0
    done <"$1"
    return 1
}

# Takes this root's line out of the boot hook (and a hook edgectl made that holds
# nothing else), once no service of this root is left.
edge_boot_uninstall() {
    rm -f "$EDGE_ROOT/boot"
    edge_sd_boot_remove
    _hook=$(edge_boot_hook)
    [ -n "$_hook" ] && [ -f "$_hook" ] || return 0
    _line=$(edge_boot_line)
    grep -vxF "$_line" "$_hook" >"$_hook.new" || true
    if [ "$(grep -cvE '^(#!/bin/sh|# made by edgectl|exit 0)$' "$_hook.new")" = 0 ]; then
        rm -f "$_hook" "$_hook.new"
    else
        chmod 755 "$_hook.new"
        mv -f "$_hook.new" "$_hook"
    fi
}

# edge_boot ROOT: run by the boot hook.
edge_boot() {
    EDGE_ROOT=$1
    # An attempt still pending at boot was never confirmed (its watchdog died with the node).
    for _b in "$EDGE_ROOT"/services/*; do
        if [ -f "$_b/attempt" ] && read -r _bn _bd _bu <"$_b/attempt"; then
            edge_expire "${_b##*/}" "$_bn" "the node restarted before the attempt was confirmed" || true
        fi
    done
    for _b in "$EDGE_ROOT"/services/*; do
        if [ ! -f "$_b/unit" ] || [ -f "$_b/systemd" ]; then continue; fi
        [ "$(edge_state "$_b")" = running ] || (edge_start "${_b##*/}" >/dev/null)
    done
}

# edge_trim_log FILE CAP [0]: a log past CAP bytes keeps its newest half (with 0: the caller
# found it past CAP already). Rewritten in place: the service appends (O_APPEND) to the same
# file, so its next line lands after the kept half.
edge_trim_log() {
    [ "${3:-}" = 0 ] || [ -n "$(find "$1" -prune -size +"$2"c 2>/dev/null)" ] || return 0
    tail -c $(($2 / 2)) "$1" >"$1.tmp" && cat "$1.tmp" >"$1" && rm -f "$1.tmp"
}

# edge_log_keeper FILE PID: keeps FILE under EDGE_LOG_CAP (10 MiB) while PID (the supervisor)
# lives, whether or not edgectl ever looks: a chatty service never fills the node's disk.
edge_log_keeper() {
    # Checked after a first pause: a log that was already long is trimmed by the next observe.
    while sleep "${EDGE_LOG_CHECK:-5}" && kill -0 "$2" 2>/dev/null; do
        edge_trim_log "$1" "${EDGE_LOG_CAP:-10485760}"
    done
}

# Hundredths of a second since boot in _upc, read by the shell itself from /proc/uptime
# (the clock, by date, where there is none): for how long a service ran, and a stop's
# deadline, without a process each time. The kernel writes two decimals; the number is
# built without a leading zero, which shell arithmetic would read as octal.
edge_uptime() {
    _upc=
    read -r _upc _ 2>/dev/null </proc/uptime || true
    case $_upc in
        *[!0-9.]* | *.*.*) ;;
        [0-9]*.[0-9][0-9])
            _upc=${_upc%.*}${_upc#*.}
            _upc=${_upc#"${_upc%%[!0]*}"}
            _upc=${_upc:-0}
            return 0
            ;;
    esac
    _upc=$(($(date +%s) * 100))
}

# edge_supervise ROOT SERVICE: keeps the service running per its unit's EDGE_RESTART
# (always, on-failure, never), waiting 1 s doubling to 60 s between restarts (back to
# 1 s after 60 s up), and counting restarts (one epoch per line in `restarts`). TERM
# stops it: TERM to the service's process group, KILL after EDGE_STOP_TIMEOUT.
edge_supervise() {
    EDGE_ROOT=$1
    _s=$EDGE_ROOT/services/$2
    _child=
    _stopping=0
    trap '_stopping=1; [ -z "$_child" ] || kill -TERM -"$_child" 2>/dev/null || kill -TERM "$_child" 2>/dev/null' TERM INT HUP
    _delay=1
    if [ -e "$_s/child" ]; then rm -f "$_s/child"; fi
    # Its own pid file is written with its first child's, by one mv (edge_stop reads it).
    _mine="$$ $(edge_start_time $$)"
    [ -d "$_s/.next" ] || (umask 066 && mkdir -p "$_s/.next")
    # Without fd 4 (edge_start's pipe), closed for good: a redirection on the function call
    # itself would keep a copy open in the shell to put back afterwards.
    (
        exec 4>&-
        edge_log_keeper "$_s/log" $$
    ) </dev/null >/dev/null 2>&1 &
    _keeper=$!
    while [ "$_stopping" = 0 ]; do
        EDGE_RESTART=always
        EDGE_STOP_TIMEOUT=10
        EDGE_USER=
        if ! edge_unit_trusted "$_s/unit"; then
            echo "edgectl: the unit is not one this edgectl wrote (another owner, or an older form); not started"
            break
        fi
        # shellcheck source=/dev/null
        . "$_s/unit"
        edge_uptime
        _since=$_upc
        # The service gets the usual umask back; edgectl's own files are private (077). A shell
        # loads the library for edge_as only when the unit names a user.
        if [ -z "$EDGE_USER" ]; then
            (cd -P "$_s/current" && umask 022 && exec setsid "$@") </dev/null 4>&- &
        else
            # shellcheck disable=SC2016 # expanded by the child's sh
            (cd -P "$_s/current" && umask 022 && exec setsid sh -c '. "$0" && edge_as "$@"' "$EDGE_LIB" "$EDGE_USER" "$@") </dev/null 4>&- &
        fi
        _child=$!
        _cst=$(edge_start_time "$_child")
        # Written in .next and renamed into place: a reader sees a whole file or none.
        echo "$_child $_cst" >"$_s/.next/child"
        if [ -n "$_mine" ]; then
            echo "$_mine" >"$_s/.next/pid"
            # The child's first: a reader between the two renames sees it stopped, not dead.
            mv -f -t "$_s" "$_s/.next/child" "$_s/.next/pid"
            _mine=
        else
            mv -f "$_s/.next/child" "$_s/child"
        fi
        # Started: edge_start, reading fd 4 to its end, is back.
        exec 4>&-
        # A stop that came before $_child was set has not reached the service: now it does.
        if [ "$_stopping" = 1 ]; then kill -TERM -"$_child" 2>/dev/null || kill -TERM "$_child" 2>/dev/null || true; fi
        _rc=0
        wait "$_child" || _rc=$?
        if [ "$_stopping" = 1 ]; then break; fi
        # Whole or not at all: edge_evidence may read it the moment the service has ended.
        echo "$_rc $(date +%s)" >"$_s/exit.new" && mv -f "$_s/exit.new" "$_s/exit"
        case $EDGE_RESTART in
            never) break ;;
            on-failure) [ "$_rc" != 0 ] || break ;;
        esac
        edge_uptime
        if [ $((_upc - _since)) -ge 6000 ]; then _delay=1; fi
        echo "edgectl: the service exited with status $_rc; restarting in ${_delay}s"
        sleep "$_delay" &
        wait $! || true
        date +%s >>"$_s/restarts"
        _delay=$((_delay * 2))
        if [ "$_delay" -gt 60 ]; then _delay=60; fi
    done
    if [ "$_stopping" = 1 ] && [ -n "$_child" ]; then
        # Reaped the moment it ends; KILL to its group if it outlives the stop timeout. The
        # timer (only for a service that has not ended by now: most end on TERM at once) looks
        # every quarter second, against the clock, and ends once the service has, by itself:
        # killed, it would leave its sleep behind, and a TERM reaching it before its shell had
        # dropped the trap it inherits was lost (the timer then KILLed, seconds later, a group
        # whose id may have been reused). A sleep that fails ends it: edge_end's KILL remains.
        if edge_alive "$_child" "$_cst"; then
            (
                edge_uptime
                _end=$((_upc + EDGE_STOP_TIMEOUT * 100))
                while edge_alive "$_child" "$_cst" && [ "$_upc" -lt "$_end" ]; do
                    sleep 0.25 || sleep 1 || exit 0
                    edge_uptime
                done
                if edge_alive "$_child" "$_cst"; then kill -KILL -"$_child" 2>/dev/null || kill -KILL "$_child" 2>/dev/null; fi
            ) </dev/null >/dev/null 2>&1 &
        fi
        wait "$_child" 2>/dev/null || true
        kill -KILL -"$_child" 2>/dev/null || true
    fi
    kill "$_keeper" 2>/dev/null || true
    rm -f "$_s/child"
}

# PID START of a pid file, alive: ends TERM then KILL after GRACE seconds, waiting for it.
edge_end() {
    [ -f "$1" ] || return 0
    read -r _pid _st <"$1" || true
    if edge_alive "$_pid" "$_st"; then
        kill -TERM -"$_pid" 2>/dev/null || kill -TERM "$_pid" 2>/dev/null || true
        _i=0
        while edge_alive "$_pid" "$_st" && [ "$_i" -lt $(($2 * 50)) ]; do
            sleep 0.02
            _i=$((_i + 1))
        done
        if edge_alive "$_pid" "$_st"; then
            kill -KILL -"$_pid" 2>/dev/null || kill -KILL "$_pid" 2>/dev/null || true
            _i=0
            while edge_alive "$_pid" "$_st" && [ "$_i" -lt 50 ]; do
                sleep 0.1
                _i=$((_i + 1))
            done
        fi
    fi
    rm -f "$1"
}

# edge_stop SERVICE GRACE: stops the supervisor (which stops the service within its
# stop timeout), then makes sure the service's own process group is gone too.
edge_stop() {
    _s=$EDGE_ROOT/services/$1
    _grace=$2
    edge_sd_stop "$1"
    if [ -f "$_s/unit" ]; then
        _t2=$(edge_unit_value EDGE_STOP_TIMEOUT "$_s/unit")
        case $_t2 in '' | *[!0-9]*) ;; *) if [ "$_t2" -ge "$_grace" ]; then _grace=$((_t2 + 2)); fi ;; esac
    fi
    edge_end "$_s/pid" "$_grace"
    edge_end "$_s/child" 1
}

# edge_switch SERVICE DIGEST|- UNIT GRACE [NONCE SECONDS]; stdin: the unit file (none
# with -). Stop, make the unit current (- keeps the one in place: a restart) and start, in
# one call. With NONCE, a watchdog is armed first: unless edgectl confirms this attempt
# within SECONDS, the node goes back to the unit it runs now by itself (edge_expire).
edge_switch() {
    _svc=$1 _dig=$2 _unit=$3 _grace=$4
    edge_name "$_svc"
    [ "$_dig" = - ] || edge_name "$_dig"
    _s=$EDGE_ROOT/services/$_svc
    if [ "$_dig" != - ]; then
        # Passable (0711), not readable: a service's user reaches its config directory
        # through it; the unit, logs and pid files inside are the SSH user's alone. The new
        # unit waits in .next (made the same way) until edge_activate renames it into place.
        [ -d "$_s/.next" ] || (umask 066 && mkdir -p "$_s/.next")
        # By cat: the shell's own read would hand each line to printf, a program of its own in
        # some busybox builds, and the unit's secrets would be in its arguments. Made anew
        # (umask 077): one left by a failed switch keeps its owner and mode if written over.
        rm -f "$_s/.next/unit"
        (umask 077 && cat >"$_s/.next/unit")
        # Refused before anything stops: a unit this node cannot run as asked.
        _user=$(edge_unit_value EDGE_USER "$_s/.next/unit")
        if [ -n "$_user" ]; then
            id -u "$_user" >/dev/null 2>&1 || { echo "run.user: there is no user '$_user' on this node" >&2; exit 3; }
            if [ "$_user" != "$(id -un)" ]; then
                [ "$(id -u)" = 0 ] || { echo "run.user: only root can run a service as '$_user' (connected as $(id -un))" >&2; exit 3; }
                edge_systemd || edge_has_setpriv || command -v su >/dev/null 2>&1 ||
                    { echo "run.user: this node has neither systemd nor setpriv or su to run as '$_user'" >&2; exit 3; }
            fi
        fi
    fi
    if [ -n "${5:-}" ]; then edge_arm "$_svc" "$5" "$6" "$_unit"; fi
    edge_stop "$_svc" "$_grace"
    if [ "$_dig" != - ]; then
        if [ ! -d "$_s/config/$_unit" ]; then
            [ -d "$_s/config" ] || (umask 066 && mkdir -p "$_s/config")
            mkdir "$_s/config/$_unit"
            if [ -n "$_user" ]; then chown "$_user" "$_s/config/$_unit"; fi
        fi
        edge_activate "$_svc" "$_dig" "$_unit"
    fi
    edge_attempt_mark "$_svc"
    edge_start "$_svc"
}

# edge_attempt_mark SERVICE: where this attempt's output begins (the log's size, and the
# time for the journal), so edge_evidence shows what this attempt wrote and not the last.
edge_attempt_mark() {
    _s=$EDGE_ROOT/services/$1
    _off=0
    if [ -f "$_s/log" ]; then _off=$(edge_size "$_s/log"); fi
    echo "$_off $(date +%s)" >"$_s/attempt-log"
}

# edge_evidence SERVICE: why the service's current attempt failed, as far as the node can
# tell, printed as "ended exit CODE", "ended signal N" or "ended running" (or "ended
# unknown"), then the last 20 lines (at most 4 KiB) of what the attempt wrote. The
# attempt's output (its last 64 KiB) is also kept as failed/SERVICE/EPOCH-PID.log, the newest 3
# per service, outside services/SERVICE: it outlives a rollback and the removal of a
# first release (edge_previous prints it). Root writes it from what the service printed;
# nothing there is read as code.
edge_evidence() {
    edge_name "$1"
    _s=$EDGE_ROOT/services/$1
    _f=$EDGE_ROOT/failed/$1
    [ -d "$_f" ] || (umask 077 && mkdir -p "$_f")
    _off=0 _at=0
    if [ -f "$_s/attempt-log" ]; then read -r _off _at <"$_s/attempt-log" || true; fi
    # Named by the second it failed in (and this shell, for two in one second).
    _kept=$_f/$(date +%s)-$$.log
    _ended="ended unknown"
    if [ -f "$_s/systemd" ]; then
        (umask 077 && journalctl -q -o cat --no-pager -u "edgectl-$1.service" --since "@$_at" 2>/dev/null | tail -c 65536 >"$_kept") || true
        # The attempt's last exit as systemd logged it (the process may have been restarted
        # since), else what systemd says now. ExecMainCode: 1 exited, 2 killed, 3 dumped.
        _ended=$(sed -n 's/.*Main process exited, code=\([a-z]*\), status=\([0-9]*\).*/\1 \2/p' "$_kept" | tail -n 1 | awk '
            $1 == "exited" { print "ended exit " $2 }
            $1 == "killed" || $1 == "dumped" { print "ended signal " $2 }')
        [ -n "$_ended" ] || _ended=$(systemctl show -p ActiveState -p SubState -p ExecMainCode -p ExecMainStatus "edgectl-$1.service" 2>/dev/null | awk -F= '
            { v[$1] = $2 }
            END {
                if (v["ActiveState"] == "active" && v["SubState"] == "running") print "ended running"
                else if (v["ExecMainCode"] == 1) print "ended exit " v["ExecMainStatus"]
                else if (v["ExecMainCode"] == 2 || v["ExecMainCode"] == 3) print "ended signal " v["ExecMainStatus"]
                else print "ended unknown"
            }')
    else
        # The attempt's last exit (its supervisor may have started it again since), else
        # whether it runs. A service that has just ended is recorded by its supervisor a
        # moment later: waited for, up to 2 s.
        _i=0
        while [ "$_i" -lt 20 ] && [ "$(edge_state "$_s")" != running ] &&
            ! { [ -f "$_s/exit" ] && read -r _rc _when <"$_s/exit" && [ "${_when:-0}" -ge "$_at" ] 2>/dev/null; }; do
            sleep 0.1
            _i=$((_i + 1))
        done
        if [ -f "$_s/exit" ]; then
            _rc='' _when=''
            read -r _rc _when <"$_s/exit" || true
            case $_rc$_when in
                *[!0-9]* | '') ;;
                *)
                    if [ "$_when" -ge "$_at" ]; then
                        # The shell's wait: 128+N for a process that signal N ended.
                        if [ "$_rc" -gt 128 ]; then _ended="ended signal $((_rc - 128))"; else _ended="ended exit $_rc"; fi
                    fi
                    ;;
            esac
        fi
        if [ "$_ended" = "ended unknown" ] && [ "$(edge_state "$_s")" = running ]; then _ended="ended running"; fi
        # A log trimmed since the mark is shown from its start.
        if [ -f "$_s/log" ] && [ "$(edge_size "$_s/log")" -lt "$_off" ]; then _off=0; fi
        if [ -f "$_s/log" ]; then (umask 077 && tail -c +"$((_off + 1))" "$_s/log" | tail -c 65536 >"$_kept"); else : >"$_kept"; fi
    fi
    # The newest 3 (names are epoch seconds and a pid, made here).
    # shellcheck disable=SC2046,SC2012 # names are digits only
    set -- $(cd "$_f" && ls | sort -rn)
    if [ $# -gt 3 ]; then
        shift 3
        for _old in "$@"; do rm -f "$_f/$_old"; done
    fi
    echo "$_ended"
    tail -n 20 "$_kept" | tail -c 4096
}

# edge_previous SERVICE: the output of the service's last failed attempt on this node
# (kept by edge_evidence). Exits 3 when none was kept.
edge_previous() {
    edge_name "$1"
    _f=$EDGE_ROOT/failed/$1
    [ -d "$_f" ] || exit 3
    # shellcheck disable=SC2012 # names are digits only
    _last=$(ls "$_f" | sort -rn | head -n 1)
    [ -n "$_last" ] || exit 3
    cat "$_f/$_last"
}

# edge_config SERVICE UNIT USER; stdin: a tar of the unit's config files. Unpacked into
# services/SERVICE/config/UNIT (the unit's EDGE_CONFIG_DIR) under a temporary name and
# renamed into place, so the service never sees half a config; owned by USER (the
# service's user, or who we are), private to it: files keep their modes (at most 0640
# for a file with a secret), the directory is 0700. A unit's directory is written once.
edge_config() {
    edge_name "$1"
    _c=$EDGE_ROOT/services/$1/config
    if [ -d "$_c/$2" ]; then
        cat >/dev/null
        return 0
    fi
    [ -d "$_c" ] || (umask 066 && mkdir -p "$_c")
    rm -rf "$_c/.tmp-$2"
    (umask 077 && mkdir "$_c/.tmp-$2" && cd "$_c/.tmp-$2" && tar -xf -)
    chmod 700 "$_c/.tmp-$2"
    if [ -n "$3" ]; then chown -R "$3" "$_c/.tmp-$2"; fi
    mv "$_c/.tmp-$2" "$_c/$2"
}

# Whether this node's setpriv can change user (util-linux's; busybox's setpriv only
# changes capabilities) and getent reads the user's passwd entry for it. Asked once.
edge_has_setpriv() {
    if [ -z "${_edge_setpriv:-}" ]; then
        _edge_setpriv=no
        if command -v getent >/dev/null 2>&1 && setpriv --reuid=0 --regid=0 --clear-groups true >/dev/null 2>&1; then _edge_setpriv=yes; fi
    fi
    [ "$_edge_setpriv" = yes ]
}

# edge_as USER COMMAND...: replaces this shell with COMMAND run as USER (as it is when
# USER is empty or who we are), keeping the environment but for HOME, SHELL, USER, LOGNAME.
# setpriv (util-linux) where the node has it: it execs COMMAND itself (no parent left
# between the supervisor and the service, no PAM session) and parses no option after `--`.
# Else su, with `--` before the user: util-linux su permutes its arguments, so without it
# a service's own `-n` or `-c` would be su's options. COMMAND never passes through a shell
# of su's but the `exec "$0" "$@"` that runs it word for word.
edge_as() {
    _u=$1
    shift
    if [ -z "$_u" ] || [ "$_u" = "$(id -un)" ]; then exec "$@"; fi
    if edge_has_setpriv && _pw=$(getent passwd "$_u" 2>/dev/null); then
        IFS=: read -r _pn _ _pu _pg _ _ph _ <<EOF
$_pw
EOF
        HOME=$_ph USER=$_pn LOGNAME=$_pn SHELL=/bin/sh
        export HOME USER LOGNAME SHELL
        exec setpriv --reuid="$_pu" --regid="$_pg" --init-groups -- "$@"
    fi
    # shellcheck disable=SC2016 # expanded by the user's sh
    exec su -s /bin/sh -c 'exec "$0" "$@"' -- "$_u" "$@"
}

# Whether the service runs: its supervisor and its process are both alive (or systemd
# says its unit is running).
edge_state() {
    if [ -f "$1/systemd" ]; then
        edge_sd_observe "${1##*/}" | cut -d' ' -f1
    elif [ ! -f "$1/pid" ]; then
        echo stopped
    elif read -r _pid _st <"$1/pid" && edge_alive "$_pid" "$_st" &&
        [ -f "$1/child" ] && read -r _pid _st <"$1/child" && edge_alive "$_pid" "$_st"; then
        echo running
    else
        echo dead
    fi
}

edge_running() {
    _state=$(edge_state "$EDGE_ROOT/services/$1")
    if [ "$_state" = running ]; then echo running; else echo dead; fi
}

# edge_remove SERVICE GRACE: stops the service and forgets it (its links, pid, env,
# log, systemd unit, and the boot hook once no supervised service is left); its
# releases go with the next cleanup.
edge_remove() {
    edge_name "$1"
    edge_stop "$1" "$2"
    edge_sd_remove "$1"
    edge_config_prune "$EDGE_ROOT/services/$1" all
    rm -rf -- "$EDGE_ROOT/services/$1"
    for _r in "$EDGE_ROOT"/services/*; do
        [ -f "$_r/unit" ] && return 0
    done
    edge_boot_uninstall
}

# edge_observe LOGCAP: one line per managed service, TAB-separated:
#   service NAME CURRENT PREVIOUS running|dead|stopped PID MODIFIED ENTRIES UNIT
#           RESTARTS RECENT EXIT EXITED WHY REVERTED REVERT-REASON
# MODIFIED counts files of the current release changed since activation, ENTRIES the
# entries of its directory, RESTARTS the restarts since activation (RECENT: within
# the last 300 s), EXIT and EXITED the last exit status and when (epoch seconds), WHY
# what ended it when the node knows (systemd's Result: oom-kill, signal…; else -),
# REVERTED when the node last went back by itself from an unconfirmed attempt (epoch or -)
# and why.
# Also caps each log at LOGCAP bytes.
edge_observe() {
    _cap=$1
    cd "$EDGE_ROOT/services" 2>/dev/null || return 0
    _now=
    for _s in *; do
        [ -d "$_s" ] || continue
        edge_release_of "$_s/current"
        _cur=$_rel
        edge_release_of "$_s/previous"
        _prev=$_rel
        _pid=-
        _sd=''
        if [ -f "$_s/systemd" ]; then
            _sd=$(edge_sd_observe "$_s")
        else
            _run=$(edge_state "$_s")
            if [ -f "$_s/child" ]; then read -r _pid _st <"$_s/child" || _pid=-; fi
        fi
        _drift=0
        _count=0
        _big=-
        if [ -n "$_cur" ] && [ -d "$_s/current/" ]; then
            if [ -f "$_s/activated" ]; then
                # One walk: every path once, a file changed since activation twice in a row,
                # and the log (a name outside current/) once if it is past the cap.
                _lg=
                if [ -f "$_s/log" ]; then _lg=$_s/log; fi
                _cd=$(find "$_s/current/" ${_lg:+"$_lg"} \( -path "$_s/log" -size +"$_cap"c -print \) -o \
                    \( ! -path "$_s/log" -print ! -type d -newer "$_s/activated" -print \) |
                    awk -v l="$_s/log" '$0 == l { b = 1; next } { if ($0 == p) d++; p = $0; n++ } END { print n - d, d + 0, b + 0 }')
                _count=${_cd%% *}
                _cd=${_cd#* }
                _drift=${_cd% *}
                _big=${_cd#* }
            else
                _count=$(find "$_s/current/" | wc -l)
            fi
        fi
        _restarts=0
        _recent=0
        if [ -f "$_s/restarts" ]; then
            [ -n "$_now" ] || _now=$(date +%s)
            _restarts=$(wc -l <"$_s/restarts")
            _recent=$(awk -v t=$((_now - 300)) '$1 >= t' "$_s/restarts" | wc -l)
        fi
        _exit=-
        _exited=-
        _why=-
        _rev=-
        _revwhy=
        if [ -f "$_s/reverted" ]; then read -r _rev _revwhy <"$_s/reverted" || true; fi
        if [ -f "$_s/exit" ]; then read -r _exit _exited <"$_s/exit" || true; fi
        if [ -n "$_sd" ]; then
            # shellcheck disable=SC2086 # seven words
            set -- $_sd
            _run=$1 _pid=$2 _restarts=$3 _recent=$4 _exit=$5 _exited=$6 _why=$7
            set -- "$_cap"
        fi
        case $_big in
            0) ;;
            1) edge_trim_log "$_s/log" "$_cap" 0 ;;
            *) edge_trim_log "$_s/log" "$_cap" ;;
        esac
        printf 'service\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$_s" "$_cur" "$_prev" "$_run" "$_pid" \
            $((_drift)) $((_count)) "$(edge_unit_of "$_s/unit")" $((_restarts)) $((_recent)) "$_exit" "$_exited" "$_why" "$_rev" "$_revwhy"
    done
}

# edge_health_exec SERVICE TIMEOUT COMMAND...: the service's exec health check, run
# in its current release as the service's user.
edge_health_exec() {
    _u=$(edge_unit_value EDGE_USER "$EDGE_ROOT/services/$1/unit" 2>/dev/null || true)
    cd -P "$EDGE_ROOT/services/$1/current"
    _secs=$2
    shift 2
    # As the service's user, like the service itself.
    edge_as "$_u" timeout "$_secs" "$@" </dev/null 3<&-
}

# --- inspection (streamed requests) ---

# Runs COMMAND... in its own session and process group, and stops that whole group
# when edgectl closes the channel (on purpose, or because it went away): without
# this a `tail -f` or an ad-hoc command would run on until it next wrote something.
# The watcher reads fd 3 (the channel) with the shell's own read, so killing it
# leaves no reader behind to take the next request's bytes.
edge_supervised() {
    setsid "$@" </dev/null 3<&- &
    _c=$!
    {
        while IFS= read -r _x; do :; done
        kill -TERM -"$_c" 2>/dev/null || kill -TERM "$_c" 2>/dev/null
    } <&3 >/dev/null 2>&1 &
    _w=$!
    _rc=0
    wait "$_c" || _rc=$?
    kill "$_w" 2>/dev/null || true
    wait "$_w" 2>/dev/null || true
    return "$_rc"
}

# edge_exec COMMANDLINE: an ad-hoc command, run by sh, supervised.
edge_exec() {
    cd /
    edge_supervised sh -c "$1"
}

# edge_logs SERVICE TAIL|all follow|once: the service's output. Exits 3 when the
# service has never been on this node.
edge_logs() {
    _s=$EDGE_ROOT/services/$1
    [ -d "$_s" ] || exit 3
    _n=$2
    if [ -f "$_s/systemd" ]; then
        # -q: no "-- No entries --" banner; -o cat: the service's lines as it wrote them.
        if [ "$3" = follow ]; then
            edge_supervised journalctl -q -o cat --no-pager -n "$_n" -f -u "edgectl-$1.service"
        else
            journalctl -q -o cat --no-pager -n "$_n" -u "edgectl-$1.service"
        fi
        return 0
    fi
    [ "$_n" = all ] && _n=+1
    if [ "$3" = follow ]; then
        touch "$_s/log"
        edge_supervised tail -n "$_n" -f "$_s/log"
    else
        [ -f "$_s/log" ] || return 0
        tail -n "$_n" "$_s/log"
    fi
}
