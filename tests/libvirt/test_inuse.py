"""Volumes in use across hosts, through libvirt (issue 13): two private
libvirt daemons as hosts A and B, each with its vaai-leased and
lock_manager = "vaai", sharing a pool on the LIO array over iSCSI, and
real QEMU guests (libvirt/guest-initrd) with <disk type='volume'>.
With --transport kernel (run in the LIO array's guest by libvirt/in-guest)
the pool is the guest's /dev/sdX and each volume a device-mapper device of
each host (libvirt/test-all runs test_refused_then_migrated so).

- one VM with a writer in the guest the whole time: while it runs on A,
  B's vol-delete, vol-wipe, vol-resize and `virsh start` of another
  domain on the volume are refused naming A, and B's pool XML names A;
  it migrates live A -> B -> A, the lease held by the right host at each
  step and the volume not copied (the QEMUs' block counters, the array's
  own read counter of the LUN); after A stops it, the guest's counters
  are complete and in order and B's operations succeed;
- shareable disks are held shared on both hosts at once, read-only ones
  are not held;
- host A killed with a VM running (libvirtd, vaai-leased and QEMU): B
  cannot start the VM before the lease timeout, can after it, and the
  guest's data is intact;
- a guest's fstrim gives the space back to the thin array, and the
  neighbouring volume's data is untouched.
"""

import os
import re
import signal
import subprocess
import time
import uuid as uuidlib

import pytest

from vaaitest.array import TOP
from vaaitest.libvirt import VAAI_NS

T_MS = 4000
P_MS = 500
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def guest(tmp_path_factory):
    """The guest's kernel and initramfs (libvirt/guest-initrd)."""
    d = tmp_path_factory.mktemp("guest")
    subprocess.run([os.path.join(TOP, "libvirt", "guest-initrd"), str(d)], check=True)
    return str(d / "vmlinuz"), str(d / "initrd.cpio")


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default")


@pytest.fixture(scope="module")
def pair(lio, vaaictl, module_hosts):
    """Hosts A and B, each with the pool 'shared' of LUN 0 started."""
    vaaictl.ok("pool", "format", lio.urls[0], "--name", "shared", "--force",
               "--lease-timeout", T_MS, "--heartbeat", P_MS)
    a, b = module_hosts("a"), module_hosts("b")
    for h in (a, b):
        h.define_pool("shared", lio.urls[0])
    return a, b


def domain_xml(name, uid, volume, kernel, initrd, console, cmdline, pool="shared"):
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uid}</uuid>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 {cmdline}</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw' cache='none' discard='unmap'/>
      <source pool='{pool}' volume='{volume}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='{console}' append='on'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
"""


def with_disk_flag(vm, flag):
    """Redefine @vm with <shareable/> or <readonly/> on its disk."""
    with open(vm.xml) as f:
        xml = f.read()
    with open(vm.xml, "w") as f:
        f.write(xml.replace("<target dev='vda' bus='virtio'/>",
                            f"<target dev='vda' bus='virtio'/>\n      <{flag}/>"))
    vm.host.virsh("define", vm.xml, check=True)
    return vm


class Vm:
    """A domain defined on a host, its console in a file."""

    def __init__(self, host, guest, name, volume, cmdline, uid=None):
        self.host = host
        self.name = name
        self.uuid = uid or str(uuidlib.uuid4())
        self.console = os.path.join(host.dir, f"{name}.console")
        self.xml = os.path.join(host.dir, f"{name}.xml")
        with open(self.xml, "w") as f:
            f.write(domain_xml(name, self.uuid, volume, *guest, self.console, cmdline))
        host.virsh("define", self.xml, check=True)

    def on(self, host):
        """The same domain defined on @host (its console file is shared)."""
        other = Vm.__new__(Vm)
        other.__dict__.update(self.__dict__, host=host)
        host.virsh("define", self.xml, check=True)
        return other

    def start(self):
        return self.host.virsh("start", self.name)

    def lines(self, what):
        try:
            with open(self.console, errors="replace") as f:
                return [l.split()[2:] for l in f.read().splitlines()
                        if l.startswith(f"DISKTEST {what}")]
        except FileNotFoundError:
            return []

    def counter(self):
        c = self.lines("counter")
        return int(c[-1][0]) if c else 0

    # Bounds on waiting, not timings: under TCG inside TCG (--transport
    # kernel) the guest boots in about two minutes.
    def wait(self, what, timeout=600):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.lines(what)
            if got:
                return got[-1]
            time.sleep(0.5)
        raise AssertionError(f"{self.name}: no 'DISKTEST {what}' within {timeout} s")

    def wait_counter(self, above, timeout=600):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            c = self.counter()
            if c > above:
                return c
            time.sleep(0.5)
        raise AssertionError(f"{self.name}: the counter stayed at {self.counter()}")


def holders(vaaictl, url, volume):
    return [(h["host"], h["mode"]) for h in vaaictl.json("vol", "info", url, volume)["holders"]]


def wait_unheld(vaaictl, url, volume):
    """A domain that stopped lets go when its host's vaai-leased sees its
    QEMU exit (libvirt tells no lock driver): a moment after virsh says
    it is off."""
    for _ in range(100):
        if holders(vaaictl, url, volume) == []:
            return
        time.sleep(0.1)
    assert holders(vaaictl, url, volume) == [], f"{volume} is still held"


def lun_read_mbytes(lio):
    r = lio.exec("cat /sys/kernel/config/target/core/fileio_0/*/statistics/scsi_lu/read_mbytes")
    return int(r.stdout.split()[0])


def counters_on_disk(vaaictl, url, volume, upto):
    """The sectors 1.. of the volume: how many hold COUNTER k in order,
    and whether anything follows a gap."""
    v = vaaictl.volume(url, volume)
    data = vaaictl.read(url, v["lba"], upto + 64)
    k = 0
    for i in range(1, upto + 64):
        line = data[i * 512:(i + 1) * 512].split(b"\n")[0]
        if line == f"COUNTER {i}".encode():
            if k != i - 1:
                return k, True
            k = i
        elif line.strip(b"\0"):
            return k, True
    return k, False


def test_shareable_and_readonly_disks(lio, vaaictl, pair, guest):
    """libvirt's meaning: <shareable/> disks are held shared (several
    domains, several hosts, and still refused to delete), <readonly/> ones
    are not held."""
    a, b = pair
    url = lio.urls[0]
    a.virsh("vol-create-as", "shared", "s1", "64M", check=True)
    b.virsh("pool-refresh", "shared", check=True)
    on_a = with_disk_flag(Vm(a, guest, "inuse-sa", "s1", "disktest.writer=1"), "shareable")
    on_b = with_disk_flag(Vm(b, guest, "inuse-sb", "s1", "disktest.writer=1"), "shareable")
    for vm in (on_a, on_b):
        r = vm.start()
        assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(holders(vaaictl, url, "s1")) == [("a", "shared"), ("b", "shared")]
    r = b.virsh("vol-delete", "--pool", "shared", "s1")
    assert r.returncode != 0 and "in use by host" in r.stderr and "(shared" in r.stderr, r.stderr
    # an exclusive domain cannot join them; a read-only one needs no hold
    excl = Vm(b, guest, "inuse-sx", "s1", "disktest.writer=1")
    r = excl.start()
    assert r.returncode != 0 and "(shared" in r.stderr, r.stdout + r.stderr
    ro = with_disk_flag(Vm(b, guest, "inuse-sr", "s1", ""), "readonly")
    r = ro.start()
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(holders(vaaictl, url, "s1")) == [("a", "shared"), ("b", "shared")]
    for h, n in ((a, "inuse-sa"), (b, "inuse-sb"), (b, "inuse-sr")):
        h.virsh("destroy", n)
        h.virsh("undefine", n)
    b.virsh("undefine", "inuse-sx")
    wait_unheld(vaaictl, url, "s1")
    a.virsh("vol-delete", "--pool", "shared", "s1", check=True)


def migrate(src, dst, name):
    """virsh migrate --live from @src to @dst, over loopback; (seconds,
    downtime ms)."""
    uri = f"qemu+unix:///system?socket={dst.dir}/root/run/libvirt/libvirt-sock"
    t0 = time.monotonic()
    r = src.virsh("migrate", "--live", "--persistent", name, uri,
                  "--migrateuri", "tcp://127.0.0.1", "--listen-address", "127.0.0.1",
                  timeout=900)
    took = time.monotonic() - t0
    assert r.returncode == 0, f"migrate {src.name} -> {dst.name}: {r.stdout} {r.stderr}"
    info = src.virsh("domjobinfo", "--completed", name).stdout
    m = re.search(r"Total downtime:\s+(\d+)", info)
    return took, int(m.group(1)) if m else None


def test_refused_then_migrated(lio, vaaictl, pair, guest):
    """One VM (one boot: on the kernel transport, TCG inside TCG, a boot
    takes two minutes) writes a counter to its vaai volume the whole time:
    while it runs on A, B's vol-delete, vol-wipe, vol-resize and a second
    domain's start are refused naming A; it migrates live A -> B -> A
    without a copy of its volume, the lease moving with it; after it stops
    its counters are all on disk and B's refused operations succeed."""
    a, b = pair
    url = lio.urls[0]
    a.virsh("vol-create-as", "shared", "r1", "64M", check=True)
    vm = Vm(a, guest, "inuse-r", "r1", "disktest.writer=1")
    r = vm.start()
    assert r.returncode == 0, r.stdout + r.stderr
    c0 = vm.wait_counter(0)
    assert holders(vaaictl, url, "r1") == [("a", "exclusive")]

    # --- refused while it runs on A ---
    b.virsh("pool-refresh", "shared", check=True)
    # B's pool XML names the holder (as of that refresh)
    held = [h.attrib for h in b.offload("shared").iter(f"{{{VAAI_NS}}}holder")]
    assert [(h["volume"], h["host"], h["mode"], h["owner"]) for h in held] == \
        [("r1", "a", "exclusive", vm.uuid)], held
    for argv in (["vol-delete", "--pool", "shared", "r1"],
                 ["vol-wipe", "--pool", "shared", "r1"],
                 ["vol-resize", "--pool", "shared", "r1", "128M"]):
        r = b.virsh(*argv)
        assert r.returncode != 0 and "in use by host a (exclusive" in r.stderr, \
            f"{argv[0]}: {r.stdout} {r.stderr}"
    other = Vm(b, guest, "inuse-r2", "r1", "disktest.writer=1")
    r = other.start()
    assert r.returncode != 0 and "in use by host a (exclusive" in r.stderr, r.stdout + r.stderr
    assert b.virsh("domstate", "inuse-r2").stdout.strip() == "shut off"
    before = vm.counter()
    vm.wait_counter(before + 10)            # the refusals did not stop the writer

    # --- live migration A -> B -> A ---
    read0 = lun_read_mbytes(lio)
    steps = []
    for src, dst in ((a, b), (b, a)):
        took, downtime = migrate(src, dst, "inuse-r")
        state = dst.virsh("domstate", "inuse-r").stdout.strip()
        assert state == "running", f"on {dst.name} after the migration: {state}"
        assert src.virsh("domstate", "inuse-r").returncode != 0 or \
            src.virsh("domstate", "inuse-r").stdout.strip() == "shut off"
        # the lease moved: the destination alone holds the volume
        assert holders(vaaictl, url, "r1") == [(dst.name, "exclusive")], \
            f"after {src.name} -> {dst.name}: {holders(vaaictl, url, 'r1')}"
        c = vm.counter()
        c1 = vm.wait_counter(c + 10)         # the guest writes on, on the destination
        # what the destination's QEMU moved to and from the volume since it
        # started: the guest's own writes, no copy of the volume (which
        # would write or read its 64 MiB)
        st = dict(line.split()[1:3] for line in dst.virsh("domblkstat", "inuse-r", "vda").stdout
                  .splitlines() if line.startswith("vda"))
        steps.append((src.name, dst.name, took, downtime, c, c1, int(st["rd_bytes"]),
                      int(st["wr_bytes"])))
    read1 = lun_read_mbytes(lio)
    for s in steps:
        print(f"migration {s[0]} -> {s[1]}: {s[2]:.1f} s, downtime {s[3]} ms; counter "
              f"{s[4]} then {s[5]} on {s[1]}; its QEMU read {s[6]} and wrote {s[7]} bytes")
        assert s[6] < 4 * MiB and s[7] < 4 * MiB, f"{s[0]} -> {s[1]}: the volume was copied"
    print(f"the array read {read1 - read0} MiB of the LUN meanwhile (pool metadata of both "
          f"hosts: heartbeats, table reads)")

    # --- stopped: every counter on disk, and B's operations go through ---
    a.virsh("destroy", "inuse-r", check=True)
    last = vm.counter()
    wait_unheld(vaaictl, url, "r1")
    n, gap = counters_on_disk(vaaictl, url, "r1", last + 200)
    print(f"counters on disk: 1..{n} in order, the console's last {last}")
    assert n >= last and not gap, f"the guest's counters: 1..{n} then a gap ({last} reported)"
    assert n > c0 + 20
    b.virsh("vol-resize", "--pool", "shared", "r1", "128M", check=True)
    b.virsh("vol-wipe", "--pool", "shared", "r1", check=True)
    r = other.start()
    assert r.returncode == 0, r.stdout + r.stderr
    b.virsh("destroy", "inuse-r2", check=True)
    wait_unheld(vaaictl, url, "r1")
    b.virsh("vol-delete", "--pool", "shared", "r1", check=True)
    for h, name in ((a, "inuse-r"), (b, "inuse-r"), (b, "inuse-r2")):
        h.virsh("undefine", name)


def test_guest_fstrim_gives_space_back(lio, vaaictl, pair, guest):
    from vaaitest.luns import iscsi_luns
    a, b = pair
    url = lio.urls[0]
    _, _, measure = iscsi_luns(lio.tool, lio.port)
    b.virsh("vol-create-as", "shared", "n1", "16M", check=True)
    b.virsh("vol-create-as", "shared", "t1", "64M", check=True)
    b.virsh("vol-create-as", "shared", "n2", "16M", check=True)
    neighbours = {}
    for n in ("n1", "n2"):
        v = vaaictl.volume(url, n)
        data = os.urandom(16 * MiB)
        vaaictl.write(url, v["lba"], data)
        neighbours[n] = (v["lba"], data)
    # t1's space given back to the array first (vol-create zeroes it by
    # writing where the LUN does not promise zeros after an unmap)
    b.virsh("vol-wipe", "--pool", "shared", "t1", "--algorithm", "trim", check=True)
    alloc0 = measure()[0]
    vm = Vm(b, guest, "inuse-t", "t1", "disktest.trim=1")
    r = vm.start()
    assert r.returncode == 0, r.stdout + r.stderr
    vm.wait("written")
    alloc1 = measure()[0]
    trimmed = vm.wait("trimmed")
    vm.wait("done")
    alloc2 = measure()[0]
    print(f"the LUN's backing file: {alloc0 / MiB:.1f} MiB before, {alloc1 / MiB:.1f} MiB "
          f"with the guest's 24 MiB file, {alloc2 / MiB:.1f} MiB after its fstrim "
          f"({' '.join(trimmed)})")
    assert alloc1 - alloc0 >= 20 * MiB, "the guest's file reached the array"
    assert alloc1 - alloc2 >= 20 * MiB, "the guest's fstrim gave the space back"
    for n, (lba, data) in neighbours.items():
        assert vaaictl.read(url, lba, len(data) // 512) == data, f"{n} was touched"
    for _ in range(100):
        if b.virsh("domstate", "inuse-t").stdout.strip() == "shut off":
            break
        time.sleep(0.2)
    wait_unheld(vaaictl, url, "t1")
    b.virsh("undefine", "inuse-t")
    for n in ("n1", "t1", "n2"):
        b.virsh("vol-delete", "--pool", "shared", n, check=True)


def test_dead_host_frees_its_volume_after_the_bound(lio, vaaictl, pair, guest):
    """Last: host A stays dead."""
    a, b = pair
    url = lio.urls[0]
    a.virsh("vol-create-as", "shared", "k1", "64M", check=True)
    b.virsh("pool-refresh", "shared", check=True)
    vm = Vm(a, guest, "inuse-k", "k1", "disktest.writer=1")
    r = vm.start()
    assert r.returncode == 0, r.stdout + r.stderr
    vm.wait_counter(20)
    on_b = vm.on(b)

    # Another domain on the volume, defined on B beforehand.
    other = Vm(b, guest, "inuse-k2", "k1", "disktest.writer=1")

    # A dies: its lease daemon, its libvirtd and the guest's QEMU at once.
    with open(os.path.join(a.dir, "leased.pid")) as f:
        leased = int(f.read())
    with open(os.path.join(a.dir, "root", "run", "libvirt", "qemu", "inuse-k.pid")) as f:
        qemu = int(f.read())
    for pid in (leased, a.pid(), qemu):
        os.kill(pid, signal.SIGKILL)
    died = time.monotonic()
    a.running = False
    last = vm.counter()

    # Before the bound: the other domain is refused at once, naming A
    # (after it, A's hold would be gone and the domain would start).
    r = other.start()
    refused = time.monotonic() - died
    assert r.returncode != 0 and "in use by host a (exclusive" in r.stderr, r.stdout + r.stderr
    n, gap = counters_on_disk(vaaictl, url, "k1", last + 200)
    assert n >= last and not gap, f"A's guest's counters: 1..{n}, {last} reported"

    # The VM itself: B's vaai-leased cannot tell a dead A from the source
    # of a migration letting go, and waits (at most 15 s) for A's hold to
    # go: it goes when B's daemon has seen A's heartbeat stand still for
    # T, and the start completes then, not before.
    seen = len(vm.lines("counter"))
    r = on_b.start()
    took = time.monotonic() - died
    assert r.returncode == 0, r.stdout + r.stderr
    print(f"B: another domain refused {refused:.1f} s after host A died; the VM started "
          f"{took:.1f} s after (T = {T_MS / 1000} s, heartbeat {P_MS / 1000} s); A's guest "
          f"had written counters 1..{n}, all on the volume")
    assert took >= (T_MS - P_MS) / 1000, "started on B before A's heartbeat ran out"
    assert holders(vaaictl, url, "k1") == [("b", "exclusive")]
    for _ in range(240):            # B's guest writes (the console is shared)
        if len(vm.lines("counter")) > seen:
            break
        time.sleep(0.5)
    assert len(vm.lines("counter")) > seen, "the VM on B does not write"
    b.virsh("destroy", "inuse-k", check=True)
    wait_unheld(vaaictl, url, "k1")
    for name in ("inuse-k", "inuse-k2"):
        b.virsh("undefine", name)
    b.virsh("vol-delete", "--pool", "shared", "k1", check=True)
