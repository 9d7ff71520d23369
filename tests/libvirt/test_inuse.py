"""Volumes in use across hosts, through libvirt (issue 13): two private
libvirt daemons as hosts A and B, each with its vaai-leased and
lock_manager = "vaai", sharing a pool on the LIO array over iSCSI, and
real QEMU guests (libvirt/guest-initrd) with <disk type='volume'>.

- while a VM runs on A, B's vol-delete, vol-wipe, vol-resize and
  `virsh start` of another domain on the volume are refused naming A;
  after A stops the VM they succeed;
- live migration A -> B -> A with a writer in the guest the whole time:
  the lease is held by the right host at each step, the guest's counters
  are complete and in order, and the volume was not copied (the array's
  own read counter of the LUN);
- host A killed with a VM running (libvirtd, vaai-leased and QEMU): B
  cannot start the VM before the lease timeout, can after it, and the
  guest's data is intact;
- a guest's fstrim gives the space back to the thin array, and the
  neighbouring volume's data is untouched.
"""

import json
import os
import re
import signal
import subprocess
import time
import uuid as uuidlib

import pytest

from vaaitest.array import TOP

T_MS = 4000
P_MS = 500
MiB = 1024 * 1024
GUEST = {}


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

    def wait(self, what, timeout=300):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.lines(what)
            if got:
                return got[-1]
            time.sleep(0.5)
        raise AssertionError(f"{self.name}: no 'DISKTEST {what}' within {timeout} s")

    def wait_counter(self, above, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            c = self.counter()
            if c > above:
                return c
            time.sleep(0.5)
        raise AssertionError(f"{self.name}: the counter stayed at {self.counter()}")


def holders(vaaictl, url, volume):
    return [(h["host"], h["mode"]) for h in vaaictl.json("vol", "info", url, volume)["holders"]]


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


def test_refused_while_a_vm_runs(lio, vaaictl, pair, guest):
    a, b = pair
    url = lio.urls[0]
    a.virsh("vol-create-as", "shared", "r1", "64M", check=True)
    vm = Vm(a, guest, "inuse-r", "r1", "disktest.writer=1")
    r = vm.start()
    assert r.returncode == 0, r.stdout + r.stderr
    vm.wait_counter(0)
    assert holders(vaaictl, url, "r1") == [("a", "exclusive")]

    b.virsh("pool-refresh", "shared", check=True)
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

    a.virsh("destroy", "inuse-r", check=True)
    for _ in range(50):
        if holders(vaaictl, url, "r1") == []:
            break
        time.sleep(0.2)
    assert holders(vaaictl, url, "r1") == []
    n, gap = counters_on_disk(vaaictl, url, "r1", vm.counter())
    assert n >= vm.counter() and not gap, (n, gap)
    b.virsh("vol-resize", "--pool", "shared", "r1", "128M", check=True)
    b.virsh("vol-wipe", "--pool", "shared", "r1", check=True)
    r = other.start()
    assert r.returncode == 0, r.stdout + r.stderr
    b.virsh("destroy", "inuse-r2", check=True)
    b.virsh("vol-delete", "--pool", "shared", "r1", check=True)
    for h, n in ((a, "inuse-r"), (b, "inuse-r2")):
        h.virsh("undefine", n)
