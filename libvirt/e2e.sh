# libvirt/e2e.sh: what the end-to-end shell tests of libvirt/ share
# (sourced, after `set -euo pipefail` and top=...):
#
#   e2e_args NAME PORT "$@"   --port N and --vaaictl PATH, with defaults;
#                             other arguments are left in e2e_rest
#   e2e_setup                 vaaictl built if missing, $work (removed at
#                             exit), $host (host1's directory), the cleanup
#                             trap (it calls e2e_cleanup_hook when the
#                             script defines one, destroys domain $dom
#                             first when set, stops the hosts and the array)
#   e2e_array_start [ARGS]    boot the LIO array on $port: $urls, $url
#                             (LUN 0), $iqn_lun (its IQN/LUN part)
#   e2e_host_pool NAME        host1's daemon started, a pool NAME of LUN 0
#                             defined and started (e2e_pool_xml: its XML)
#   check WHAT CMD...         one result line, counted
#   e2e_finish                "N passed, N failed", and the exit status
#
# and the small helpers every script wrote for itself: quiet, not, has,
# hasnt, fails_with, virsh (on $host), json, lba_of.

e2e_args() {
    e2e_name=$1
    port=$2
    shift 2
    vaaictl=$top/build/tools/vaaictl/vaaictl
    e2e_rest=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) port=$2; shift 2 ;;
            --vaaictl) vaaictl=$2; shift 2 ;;
            *) e2e_rest+=("$1"); shift ;;
        esac
    done
}

e2e_setup() {
    if [ ! -x "$vaaictl" ]; then
        [ -d "$top/build" ] || meson setup "$top/build" "$top" >/dev/null
        ninja -C "$top/build" -j2 tools/vaaictl/vaaictl >/dev/null
    fi
    vaaictl=$(cd "$(dirname "$vaaictl")" && pwd)/$(basename "$vaaictl")
    # The hosts' lease daemon (libvirt/run) from the same build.
    export VAAI_LEASED=${VAAI_LEASED:-$(dirname "$(dirname "$vaaictl")")/vaai-leased/vaai-leased}
    if [ ! -x "$VAAI_LEASED" ]; then
        ninja -C "$(dirname "$(dirname "$(dirname "$vaaictl")")")" -j2 \
            tools/vaai-leased/vaai-leased >/dev/null
    fi
    work=$(mktemp -d)
    host=$work/host1
    array=$top/tests/array/lio-array
    passed=0
    failed=0
    array_started=false
    trap e2e_cleanup EXIT
}

e2e_cleanup() {
    if declare -F e2e_cleanup_hook >/dev/null; then
        e2e_cleanup_hook || true
    fi
    # Domains first: QEMU outlives a stopped daemon.
    if [ -n "${dom:-}" ]; then
        "$top/libvirt/virsh" --dir "$host" destroy "$dom" >/dev/null 2>&1 || true
    fi
    local h
    for h in "$work"/host*; do
        [ -d "$h" ] && "$top/libvirt/run" --dir "$h" stop >/dev/null 2>&1 || true
    done
    # Only an array this script started: another may run on that port.
    if $array_started; then
        "$array" stop --port "$port" >/dev/null 2>&1 || true
    fi
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}

e2e_array_start() {
    urls=$("$array" start --port "$port" "$@")
    array_started=true
    url=$(head -n 1 <<<"$urls")
    iqn_lun=${url#iscsi://*/}
}

check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
        passed=$((passed + 1))
    else
        echo "FAILED: $what"
        failed=$((failed + 1))
    fi
}

e2e_finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

quiet() { "$@" >/dev/null; }
not() { ! "$@" >/dev/null 2>&1; }
has() { grep -q -- "$1" <<<"$2"; }
hasnt() { ! grep -q -- "$1" <<<"$2"; }
virsh() { "$top/libvirt/virsh" --dir "$host" "$@"; }
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
lba_of() { "$vaaictl" vol info "$url" "$1" --json | json lba; }

# fails_with PATTERN CMD...: CMD fails and its error output matches
# PATTERN (extended regex); the message is kept in $last_err.
fails_with() {
    local pat=$1
    shift
    if "$@" >/dev/null 2>"$work/err"; then
        last_err="(it succeeded)"
        return 1
    fi
    last_err=$(cat "$work/err")
    cat "$work/err" >>"$work/errors"
    grep -Eq -- "$pat" "$work/err" || { sed 's/^/  /' "$work/err" >&2; return 1; }
}

# e2e_pool_xml NAME IQN/LUN [EXTRA]: a vaai pool NAME of that LUN of the
# array over iSCSI, with this test's initiator; EXTRA goes into <source>
# (an <auth> element).
e2e_pool_xml() {
    cat <<EOF
<pool type='vaai'>
  <name>$1</name>
  <source>
    <host name='127.0.0.1' port='$port'/>
    <device path='$2'/>
    <initiator><iqn name='iqn.2024-11.org.libvirt-vaai:$e2e_name'/></initiator>${3:+
    $3}
  </source>
</pool>
EOF
}

# e2e_host_pool NAME: start host1's daemon, define and start pool NAME.
e2e_host_pool() {
    "$top/libvirt/run" --dir "$host" --host host1 start >/dev/null
    e2e_pool_xml "$1" "$iqn_lun" >"$work/pool-$1.xml"
    quiet virsh pool-define "$work/pool-$1.xml"
    quiet virsh pool-start "$1"
}

# e2e_offload HOSTDIR POOL EXPR: EXPR, a Python expression, holds on the
# <vaai:offload> element of POOL's XML on the host of HOSTDIR (off;
# counter(OP) and volume(NAME) give a counter's or a volume's attributes,
# numbers as ints); when not, the counters and volumes are shown.
e2e_offload() {
    "$top/libvirt/virsh" --dir "$1" pool-dumpxml "$2" >"$work/offload.xml" || return 1
    python3 - "$work/offload.xml" "$3" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = {"vaai": "http://libvirt.org/schemas/storagepool/vaai/1.0"}
off = ET.parse(sys.argv[1]).getroot().find("vaai:offload", ns)
def ints(attrib):
    return {k: int(v) if v.isdigit() else v for k, v in attrib.items()}
def counter(op):
    return ints(off.find("vaai:counters/vaai:counter[@operation='%s']" % op, ns).attrib)
def volume(name):
    v = off.find("vaai:volumes/vaai:volume[@name='%s']" % name, ns)
    return v.attrib if v is not None else {}
try:
    ok = off is not None and eval("(" + sys.argv[2] + ")")
except Exception as e:
    print("offload check: %r" % e, file=sys.stderr)
    ok = False
if not ok and off is not None:
    for e in off.findall("vaai:counters/vaai:counter", ns) + \
            off.findall("vaai:volumes/vaai:volume", ns):
        print("  " + ET.tostring(e).decode().strip(), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}
