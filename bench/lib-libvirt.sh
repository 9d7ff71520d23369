# bench/lib-libvirt.sh: what the libvirt benchmarks share (sourced):
# the LIO array, one private libvirt daemon with a vaai pool on LUN 0, and
# the measures every table uses.  The caller sets top, port, work and
# profile (a lio-array profile file) and calls bench_start.
#
# bench_start NAME        the array, this checkout's vaaictl, the daemon
#                         (host "bench", no watcher: another host's table
#                         reads would count in the link traffic), pool NAME
# virsh ...               the daemon's virsh
# link_bytes              the array guest's eth0 rx + tx: everything that
#                         crossed the host-to-array link
# offload_commands POOL   the backend's SCSI commands, all kinds, from the
#                         pool's <vaai:offload> counters
# vaaictl ...             this checkout's vaaictl

array=$top/tests/array/lio-array
host=$work/host
bench_started=false
bench_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

bench_cleanup() {
    "$top/libvirt/run" --dir "$host" stop >/dev/null 2>&1 || true
    $bench_started && "$array" stop --port "$port" >/dev/null 2>&1
    rm -rf "$work"
}

virsh() { "$top/libvirt/virsh" --dir "$host" "$@"; }

vaaictl() { "$top/build/tools/vaaictl/vaaictl" "$@"; }

link_bytes() {
    "$array" exec --port "$port" -- sh -c \
        'echo $(( $(cat /sys/class/net/eth0/statistics/rx_bytes) + $(cat /sys/class/net/eth0/statistics/tx_bytes) ))'
}

offload_commands() {
    virsh pool-dumpxml "$1" | python3 -c '
import sys, xml.etree.ElementTree as ET
ns = {"vaai": "http://libvirt.org/schemas/storagepool/vaai/1.0"}
off = ET.parse(sys.stdin).getroot().find("vaai:offload", ns)
print(sum(int(c.get("commands")) for c in off.findall("vaai:counters/vaai:counter", ns)))'
}

bench_start() {
    local name=$1 urls iqn_lun

    # (incremental: seconds when it is built already)
    "$top/libvirt/build-libvirt" >/dev/null
    if [ ! -f "$top/build/build.ninja" ]; then
        meson setup "$top/build" >/dev/null
    fi
    ninja -C "$top/build" tools/vaaictl/vaaictl >/dev/null

    bench_load_before=$(cut -d' ' -f1 /proc/loadavg)
    bench_log "starting the LIO array"
    urls=$("$array" start --profile "$profile" --port "$port" --timeout 7200)
    bench_started=true
    url=$(head -n 1 <<<"$urls")
    iqn_lun=${url#iscsi://*/}
    iqn=${iqn_lun%/*}
    lun=${iqn_lun##*/}
    initiator=iqn.2024-11.org.libvirt-vaai:bench

    VAAI_WATCH_INTERVAL_MS=0 "$top/libvirt/run" --dir "$host" --host bench start >/dev/null
    cat >"$work/pool.xml" <<EOF
<pool type='vaai'>
  <name>$name</name>
  <source>
    <host name='127.0.0.1' port='$port'/>
    <device path='$iqn_lun'/>
    <initiator><iqn name='$initiator'/></initiator>
  </source>
</pool>
EOF
    virsh pool-define "$work/pool.xml" >/dev/null
    virsh pool-build "$name" --overwrite >/dev/null
    virsh pool-start "$name" >/dev/null
}
