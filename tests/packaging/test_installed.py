"""The user's story on an installed host (issue 14): libvirt-vaai's Debian
packages installed with apt (packaging/install-debs), the system daemons
started by their Debian init scripts (this machine runs no systemd), and
qemu:///system driven as users drive it, against the LIO test array:

- virsh (libvirt-clients): define and start a pool on an iSCSI LUN
  formatted by the installed vaaictl; create, upload, clone (EXTENDED
  COPY, as the pool's offload report says), download and compare, wipe,
  delete; the volumes' space comes back;
- Debian's own python3-libvirt, unmodified: define, build (format) and
  start a pool, createXML, createXMLFrom, wipe, delete, with the pool's
  lifecycle and refresh events;
- virt-install --disk pool=P,size=N makes a raw vaai volume, an installer
  writes a bootable image onto it, and the VM then boots from it (SeaBIOS,
  SYSLINUX, the token on its console); --disk vol=P/V names an existing
  volume; virt-clone clones a domain's volume through createXMLFrom.

    pytest-3 tests/packaging/test_installed.py --port 13820
"""

import os
import subprocess
import json
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

import pytest

from vaaitest.array import TOP
from vaaitest.libvirt import VAAI_NS
from vaaitest.system import URI, stage_boot_files, virsh, vol_names

VAAICTL = "/usr/bin/vaaictl"
MiB = 1024 * 1024


def vaaictl(*argv, check=True):
    r = subprocess.run([VAAICTL, *map(str, argv)], capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"vaaictl {' '.join(map(str, argv))}: {(r.stdout + r.stderr).strip()}")
    return r


def pool_xml(name, url):
    hostport, iqn_lun = url[len("iscsi://"):].split("/", 1)
    host, port = hostport.rsplit(":", 1)
    return f"""<pool type='vaai'>
  <name>{name}</name>
  <source>
    <host name='{host}' port='{port}'/>
    <device path='{iqn_lun}'/>
    <initiator><iqn name='iqn.2024-11.org.libvirt-vaai:system'/></initiator>
  </source>
</pool>
"""


def counter(pool, operation):
    xml = virsh("pool-dumpxml", pool, check=True).stdout
    for c in ET.fromstring(xml).iter(f"{{{VAAI_NS}}}counter"):
        if c.get("operation") == operation:
            return c.attrib
    return {}


def drop_pool(name):
    """Clean-up: whatever is left of pool NAME goes (the story may have
    undefined it already)."""
    if "running" in virsh("pool-info", name).stdout:
        for v in vol_names(name):
            virsh("vol-delete", v, "--pool", name)
    virsh("pool-destroy", name)
    virsh("pool-undefine", name)


def test_virsh_story(system, lio, tmp_path):
    url = lio.urls[0]
    vaaictl("pool", "format", url, "--name", "sysp", "--force")
    (tmp_path / "pool.xml").write_text(pool_xml("sysp", url))
    try:
        virsh("pool-define", "--validate", tmp_path / "pool.xml", check=True)
        virsh("pool-start", "sysp", check=True)
        free0 = int(virsh("pool-info", "sysp", "--bytes", check=True)
                    .stdout.split("Available:")[1].split()[0])

        virsh("vol-create-as", "sysp", "golden", "16M", check=True)
        data = os.urandom(16 * MiB)
        (tmp_path / "in").write_bytes(data)
        virsh("vol-upload", "--pool", "sysp", "golden", tmp_path / "in", check=True)
        virsh("vol-clone", "--pool", "sysp", "golden", "copy", check=True)
        c = counter("sysp", "clone")
        assert c["count"] == "1" and c["offloadedBlocks"] == c["blocks"] != "0" and \
            c["hostBytes"] == "0", c
        virsh("vol-download", "--pool", "sysp", "copy", tmp_path / "out", check=True)
        assert (tmp_path / "out").read_bytes() == data

        # A volume of a vaai pool is a network disk's slice on iSCSI pools.
        vol = ET.fromstring(virsh("vol-dumpxml", "--pool", "sysp", "copy", check=True).stdout)
        assert vol.get("type") == "network" and vol.find("target/format").get("type") == "raw"

        virsh("vol-wipe", "--pool", "sysp", "copy", check=True)
        virsh("vol-download", "--pool", "sysp", "copy", tmp_path / "out", check=True)
        assert (tmp_path / "out").read_bytes() == bytes(16 * MiB)
        for v in ("golden", "copy"):
            virsh("vol-delete", "--pool", "sysp", v, check=True)
        free1 = int(virsh("pool-info", "sysp", "--bytes", check=True)
                    .stdout.split("Available:")[1].split()[0])
        assert free1 == free0
        assert "golden" not in vaaictl("pool", "list", url).stdout
    finally:
        drop_pool("sysp")


def test_python_api(system, lio):
    """Debian's python3-libvirt, unmodified, against the installed daemon."""
    script = r'''
import sys, threading, time
import libvirt
assert libvirt.__file__.startswith("/usr/lib/python3/dist-packages/"), libvirt.__file__
libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
conn = libvirt.open(sys.argv[1])
events = []
def lifecycle(c, pool, event, detail, opaque):
    events.append(("lifecycle", pool.name(), event))
def refresh(c, pool, opaque):
    events.append(("refresh", pool.name()))
conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, lifecycle, None)
conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH, refresh, None)

pool = conn.storagePoolDefineXML(open(sys.argv[2]).read())
pool.build(libvirt.VIR_STORAGE_POOL_BUILD_OVERWRITE)      # formats the LUN
pool.create()
vol = pool.createXML("<volume><name>a</name><capacity unit='MiB'>8</capacity></volume>")
assert vol.info()[1] == 8 << 20, vol.info()
st = conn.newStream()
vol.upload(st, 0, 8 << 20)
data = memoryview(b"\x5a" * (8 << 20))
while data:
    n = st.send(data[:1 << 20].tobytes())
    assert n > 0, n
    data = data[n:]
st.finish()
clone = pool.createXMLFrom("<volume><name>b</name><capacity unit='MiB'>8</capacity></volume>", vol)
# The pool's offload status, as a management program reads it.
import xml.etree.ElementTree as ET
NS = "{http://libvirt.org/schemas/storagepool/vaai/1.0}"
offload = ET.fromstring(pool.XMLDesc()).find(NS + "offload")
assert offload is not None
c = [c for c in offload.iter(NS + "counter") if c.get("operation") == "clone"][0]
assert c.get("count") == "1" and c.get("hostBytes") == "0" and \
    c.get("offloadedBlocks") == c.get("blocks") != "0", c.attrib
print("clone:", dict(c.attrib), [m.get("name") for m in c.iter(NS + "method")])
st = conn.newStream()
clone.download(st, 0, 8 << 20)
got = bytearray()
while True:
    chunk = st.recv(1 << 20)
    if not chunk:
        break
    got += chunk
st.finish()
assert bytes(got) == b"\x5a" * (8 << 20)
clone.wipe()
clone.delete()
vol.delete()
assert sorted(pool.listVolumes()) == []
pool.refresh()
pool.destroy()
pool.undefine()
deadline = time.monotonic() + 10
want = {("lifecycle", "pyp", libvirt.VIR_STORAGE_POOL_EVENT_DEFINED),
        ("lifecycle", "pyp", libvirt.VIR_STORAGE_POOL_EVENT_STARTED),
        ("lifecycle", "pyp", libvirt.VIR_STORAGE_POOL_EVENT_STOPPED),
        ("lifecycle", "pyp", libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED),
        ("refresh", "pyp")}
while not want <= set(events) and time.monotonic() < deadline:
    time.sleep(0.1)
assert want <= set(events), events
print("python3-libvirt story: ok,", len(events), "events")
'''
    xml = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"pyp-{os.getpid()}.xml")
    with open(xml, "w") as f:
        f.write(pool_xml("pyp", lio.urls[1]))
    try:
        r = subprocess.run(["/usr/bin/python3", "-c", script, URI, xml], capture_output=True,
                           text=True, timeout=600)
        print(r.stdout + r.stderr)
        assert r.returncode == 0 and "story: ok" in r.stdout
    finally:
        drop_pool("pyp")
        os.unlink(xml)


@pytest.fixture(scope="module")
def boot_files(tmp_path_factory):
    """The guest's kernel and initramfs, and a bootable image (SYSLINUX)
    whose kernel command line carries a token, where QEMU may read them."""
    d = tmp_path_factory.mktemp("boot")
    subprocess.run([os.path.join(TOP, "libvirt", "guest-initrd"), str(d)], check=True)
    token = uuidlib.uuid4().hex[:12]
    subprocess.run([os.path.join(TOP, "libvirt", "boot-image"), str(d / "boot.img"), token, "32"],
                   check=True)
    kernel, initrd, image = stage_boot_files(d / "vmlinuz", d / "initrd.cpio", d / "boot.img")
    yield kernel, initrd, image, token
    for p in (kernel, initrd, image):
        os.unlink(p)


def virt_install(*argv):
    r = subprocess.run(["/usr/bin/virt-install", "--connect", URI, *map(str, argv)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def wait_shutoff(dom, timeout=600):
    deadline = time.monotonic() + timeout
    while virsh("domstate", dom).stdout.strip() != "shut off":
        assert time.monotonic() < deadline, f"{dom} still running after {timeout} s"
        time.sleep(1)


def console(path, key):
    with open(path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            if line.startswith(f"DISKTEST {key}"):
                return line.split(" ", 2)[2].strip() if line.count(" ") >= 2 else ""
    return None


def boot(dom, log, token):
    """Start @dom, wait for its guest to power off, and check from its
    console that SYSLINUX booted the image carrying @token."""
    if os.path.exists(log):
        os.unlink(log)
    start = time.monotonic()
    virsh("start", dom, check=True)
    wait_shutoff(dom)
    text = open(log, "rb").read().decode(errors="replace")
    assert "SYSLINUX" in text, text[-2000:]
    assert console(log, "token") == token, text[-2000:]
    print(f"{dom}: booted from its vaai volume, {time.monotonic() - start:.1f} s")
    return text


def test_virt_install_and_clone(system, lio, boot_files, tmp_path):
    kernel, initrd, image, token = boot_files
    url = lio.urls[0]
    vaaictl("pool", "format", url, "--name", "vip", "--force")
    (tmp_path / "pool.xml").write_text(pool_xml("vip", url))
    logs = {d: f"/var/log/libvirt/qemu/vaai-test-{d}.console" for d in ("inst1", "inst2", "inst3")}
    common = ["--memory", 256, "--vcpus", 1, "--virt-type", "qemu", "--osinfo", "generic",
              "--network", "none", "--graphics", "none", "--noautoconsole",
              "--events", "on_poweroff=destroy"]
    try:
        virsh("pool-define", tmp_path / "pool.xml", check=True)
        virsh("pool-start", "vip", check=True)

        # An installation onto a new volume: --disk pool=P,size=N.  The
        # installer (direct kernel boot) copies the image from the second
        # disk onto the first and powers off.
        start = time.monotonic()
        virt_install(
            "--name", "inst1", *common,
            "--disk", "pool=vip,size=0.0625,bus=virtio",
            "--disk", f"path={image},readonly=on,bus=virtio",
            "--install", f"kernel={kernel},initrd={initrd},"
                         "kernel_args=console=ttyS0 quiet panic=-1 disktest.install=1",
            "--serial", f"file,path={logs['inst1']}",
            "--noreboot", "--wait", "-1")
        print(f"virt-install (the installer ran): {time.monotonic() - start:.1f} s")
        assert console(logs["inst1"], "installed") == str(32 * MiB), \
            open(logs["inst1"], "rb").read()[-2000:]
        xml = ET.fromstring(virsh("dumpxml", "--inactive", "inst1", check=True).stdout)
        disk = xml.find("devices/disk[@type='volume']")
        assert disk is not None, ET.tostring(xml)
        assert disk.find("source").attrib == {"pool": "vip", "volume": "inst1"}
        assert disk.find("driver").get("type") == "raw"
        vol = ET.fromstring(virsh("vol-dumpxml", "--pool", "vip", "inst1", check=True).stdout)
        assert int(vol.find("capacity").text) == 64 * MiB

        # Booted from the volume alone: the image's disk goes first.
        virsh("detach-disk", "inst1", "vdb", "--config", check=True)
        text = boot("inst1", logs["inst1"], token)
        assert console(logs["inst1"], "size") == str(64 * MiB), text[-2000:]

        # virt-clone: a new volume of the pool, by createXMLFrom, and the
        # clone boots from it.
        before = int(counter("vip", "clone").get("count", 0))
        r = subprocess.run(["/usr/bin/virt-clone", "--connect", URI, "-o", "inst1", "-n", "inst2",
                            "--auto-clone"], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout + r.stderr
        c = counter("vip", "clone")
        assert int(c["count"]) == before + 1 and c["hostBytes"] == "0" and \
            c["offloadedBlocks"] == c["blocks"], c
        xml = ET.fromstring(virsh("dumpxml", "inst2", check=True).stdout)
        # The volume was named for the domain, so is its clone (as
        # virt-clone names a disk image after the domain).
        assert xml.find("devices/disk/source").attrib == {"pool": "vip", "volume": "inst2"}
        for name in ("inst1", "inst2"):
            vaaictl("read", url, vaaictl_lba(url, name), 131072, "-q", "-o", tmp_path / name)
        a, b = (tmp_path / "inst1").read_bytes(), (tmp_path / "inst2").read_bytes()
        assert a == b
        virsh("vol-wipe", "--pool", "vip", "inst1", check=True)    # the clone is on its own
        xml_text = virsh("dumpxml", "inst2", check=True).stdout
        virsh("undefine", "inst2", check=True)
        assert logs["inst1"] in xml_text, xml_text    # virt-clone kept the console file
        xml_text = xml_text.replace(logs["inst1"], logs["inst2"])
        (tmp_path / "inst2.xml").write_text(xml_text)
        virsh("define", tmp_path / "inst2.xml", check=True)
        boot("inst2", logs["inst2"], token)
        virsh("undefine", "inst2", check=True)

        # --disk vol=P/V: an existing volume, named, not pathed; imported,
        # so virt-install boots it (and waits for the guest to power off).
        start = time.monotonic()
        virt_install("--name", "inst3", *common, "--import",
                     "--disk", "vol=vip/inst2,bus=virtio",
                     "--serial", f"file,path={logs['inst3']}", "--wait", "-1")
        disk = ET.fromstring(virsh("dumpxml", "--inactive", "inst3", check=True).stdout) \
            .find("devices/disk")
        assert disk.get("type") == "volume" and \
            disk.find("source").attrib == {"pool": "vip", "volume": "inst2"}
        text = open(logs["inst3"], "rb").read().decode(errors="replace")
        assert "SYSLINUX" in text and console(logs["inst3"], "token") == token, text[-2000:]
        print(f"inst3: virt-install --import booted it, {time.monotonic() - start:.1f} s")
    finally:
        for d in ("inst1", "inst2", "inst3"):
            virsh("destroy", d)
            virsh("undefine", d)
        drop_pool("vip")
        for log in logs.values():
            if os.path.exists(log):
                os.unlink(log)


def vaaictl_lba(url, name):
    return json.loads(vaaictl("vol", "info", url, name, "--json").stdout)["lba"]
