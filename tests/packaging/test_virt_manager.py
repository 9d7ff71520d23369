"""virt-manager on an installed host (issue 14): the virt-manager package
from libvirt-vaai's repository (Debian's, with packaging/virt-manager's
patches), in a real window on a screenless X server (Xvfb), driven
through the accessibility bus with dogtail as virt-manager's own UI tests
drive it, against qemu:///system and the LIO test array:

- Add Storage Pool: type vaai, reached by iSCSI, the array's portal;
  Find LUNs lists both of its LUNs with what each offloads; LUN 1 (blank)
  is chosen, which the wizard offers to format; Finish formats, defines
  and starts the pool, as libvirt then reports;
- the storage tab: a new volume (Finish makes it in the pool); data
  written into it (vol-upload); Clone makes VOLUME-clone, which reads back
  the same data and which the array copied (the pool's counters: every
  block offloaded, no bytes through the host), as the tab's offload
  status then says; the clone's deletion, confirmed, removes it.

Each step leaves a screenshot in $VAAI_SCREENSHOTS (default
build-test/screenshots); docs/virt-manager.md shows a set of them.

    pytest-3 tests/packaging/test_virt_manager.py --port 13830
"""

import os
import xml.etree.ElementTree as ET

import pytest

from vaaitest.array import TOP
from vaaitest.libvirt import VAAI_NS
from vaaitest.system import URI, package_version, virsh, vol_names
from vaaitest.ui import Desktop, wait_for

POOL = "uipool"
SHOTS = os.environ.get("VAAI_SCREENSHOTS", f"{TOP}/build-test/screenshots")


@pytest.fixture(scope="module")
def desktop(system, tmp_path_factory):
    assert "+vaai" in (package_version("virt-manager") or ""), \
        "virt-manager is not libvirt-vaai's (packaging/install-debs --gui)"
    pools_before = set(virsh("pool-list", "--all", "--name").stdout.split())
    log = tmp_path_factory.mktemp("virt-manager") / "virt-manager.log"
    with Desktop(SHOTS) as desk:
        desk.launch(URI, log)
        try:
            yield desk
        finally:
            print(f"virt-manager's log: {log}")
    # virt-manager's first run makes the 'default' directory pool where
    # there is none: put the host back as it was.
    # (The array and what its LUNs hold go with the test.)
    for name in set(virsh("pool-list", "--all", "--name").stdout.split()) - pools_before:
        virsh("pool-destroy", name)
        virsh("pool-undefine", name)


def offload(pool):
    xml = virsh("pool-dumpxml", pool, check=True).stdout
    return ET.fromstring(xml).find(f"{{{VAAI_NS}}}offload")


def counter(pool, operation):
    for c in offload(pool).iter(f"{{{VAAI_NS}}}counter"):
        if c.get("operation") == operation:
            return {k: int(v) if v.isdigit() else v for k, v in c.attrib.items()}
    return {}


def no_error(desk):
    text = desk.alert_text()
    assert text is None, f"virt-manager shows an error: {text}"


def open_storage_tab(desk):
    app = desk.root
    desk.find(app, "table cell", "QEMU/KVM").click()
    desk.find(app, "menu", "Edit").click()
    desk.find(app, "menu item", "Connection Details").click()
    win = desk.window("QEMU/KVM - Connection Details")
    desk.find(win, "page tab", "Storage").click()
    return win


def test_pool_wizard_volume_clone_delete(desktop, lio, tmp_path):
    desk = desktop
    hostport, iqn_lun = lio.urls[1][len("iscsi://"):].split("/", 1)
    host, port = hostport.rsplit(":", 1)
    iqn, lun = iqn_lun.rsplit("/", 1)
    assert lun == "1"
    win = open_storage_tab(desk)

    # --- Add Storage Pool: vaai on the array's LUN 1 ---
    desk.find(win, "push button", "pool-add").click()
    wiz = desk.window("Add a New Storage Pool")
    desk.pick(desk.labelled(wiz, "Type:"), startswith="vaai:")
    desk.labelled(wiz, "Name:").text = POOL
    desk.pick(desk.labelled(wiz, "Reached by:"), startswith="iSCSI")
    desk.labelled(wiz, "Host Name:").text = host
    desk.labelled(wiz, "Port:").value = int(port)
    desk.find(wiz, "push button", "source-browse").click()       # "Find LUNs"
    target = desk.find(wiz, "text", "pool-source-path-text")
    wait_for("the portal's LUNs", lambda: target.text == iqn, 120)
    no_error(desk)
    combo = desk.find(wiz, "combo box", "pool-source-path")
    desk.pick(combo, index=1)
    wait_for("LUN 1 chosen", lambda: desk.labelled(wiz, "LUN:").value == 1)
    caps = desk.find(wiz, "label", pred=lambda n: n.name.startswith("LIO-ORG lun1"))
    # What the LUN offloads, from find-storage-pool-sources' plan
    assert "offloads clone, zero, unmap, locking" in caps.name, caps.name
    assert "EXTENDED COPY" in caps.name and "no pool yet" in caps.name, caps.name
    fmt = desk.find(wiz, "check box", pred=lambda n: n.name.startswith("Format the LUN"))
    assert fmt.checked, "a blank LUN is to be formatted"
    desk.shot("pool-wizard", wiz)
    desk.find(wiz, "push button", "Finish").click()
    desk.gone(wiz, "the pool wizard")
    no_error(desk)
    info = virsh("pool-info", POOL, check=True).stdout
    assert "running" in info, info
    source = ET.fromstring(virsh("pool-dumpxml", POOL, check=True).stdout).find("source")
    assert source.find("host").get("name") == host
    assert source.find("host").get("port") == port
    assert source.find("device").get("path") == f"{iqn}/1"
    assert offload(POOL) is not None

    # --- the storage tab: a new volume ---
    desk.find(win, "table cell", pred=lambda n: n.name.startswith(POOL)).click()
    desk.find(win, "push button", "vol-new").click()
    dlg = desk.window("Add a Storage Volume")
    desk.labelled(dlg, "Name:").text = "vm1"
    desk.labelled(dlg, "Capacity:").value = 0.1                  # GiB
    desk.find(dlg, "push button", "Finish").click()
    desk.gone(dlg, "the new volume dialog")
    no_error(desk)
    vols = vol_names(POOL)
    assert vols == ["vm1"], vols
    created = counter(POOL, "create")
    assert created["count"] == 1 and created["hostBytes"] == 0, created

    data = tmp_path / "data"
    data.write_bytes(os.urandom(8 << 20))
    virsh("vol-upload", "--pool", POOL, "vm1", data, check=True)

    # --- clone it: EXTENDED COPY inside the array ---
    desk.find(win, "table cell", "vm1").click()
    desk.find(win, "push button", "vol-clone").click()
    dlg = desk.window("Clone Storage Volume")
    assert desk.find(dlg, "label", "vm1")            # "Clone of: vm1"
    assert desk.labelled(dlg, "Name:").text == "vm1-clone"
    desk.shot("clone-volume", dlg)
    desk.find(dlg, "push button", "Finish").click()
    desk.gone(dlg, "the clone dialog")
    no_error(desk)
    back = tmp_path / "back"
    virsh("vol-download", "--pool", POOL, "vm1-clone", back, "--length", 8 << 20, check=True)
    assert back.read_bytes() == data.read_bytes(), "the clone reads back other data"
    cloned = counter(POOL, "clone")
    assert cloned["count"] == 1 and cloned["failed"] == 0, cloned
    assert cloned["offloadedBlocks"] == cloned["blocks"] > 0, cloned
    assert cloned["hostBytes"] == 0, cloned
    # The tab shows it (from the pool's refresh event)
    status = desk.find(win, "label", "pool-offload")
    mib = cloned["offloadedBlocks"] * 512 / (1 << 20)
    want = f"clone: 1 ({mib:.1f} MiB offloaded, 0 B through this host)"
    try:
        wait_for("the offload status to show the clone", lambda: want in status.text, 60)
    except AssertionError as e:
        desk.shot("failed", win)
        raise AssertionError(f"{e} ({want!r}); the window shows:\n{desk.describe(win)}")
    assert "clone: EXTENDED COPY" in status.text, status.text
    desk.find(win, "table cell", "vm1-clone").click()
    desk.shot("storage-tab", win)

    # --- delete the clone ---
    desk.find(win, "push button", "vol-delete").click()
    alert = desk.window("vmm dialog")
    desk.find(alert, "push button", "Yes").click()
    wait_for("vm1-clone to go", lambda: vol_names(POOL) == ["vm1"], 60)
    wait_for("the volume list without vm1-clone", lambda: not win.findChild(
        lambda n: n.roleName == "table cell" and n.name == "vm1-clone" and n.showing,
        retry=False, requireResult=False), 30)
    no_error(desk)


# --- virt-manager's reading of vaai XML (virtManager/object/vaaipool.py) ---

def vaaipool_module():
    """The installed package's vaaipool.py, as virt-manager imports it
    (gettext's _ is a builtin there)."""
    import builtins
    import importlib
    import sys
    builtins.__dict__.setdefault("_", lambda s: s)
    sys.path.insert(0, "/usr/share/virt-manager")
    try:
        return importlib.import_module("virtManager.object.vaaipool")
    finally:
        sys.path.pop(0)


SOURCES = f"""<sources xmlns:vaai='{VAAI_NS}'>
  <source>
    <host name='array' port='3261'/>
    <device path='iqn.2024-01.com.example:array/7'/>
    <vendor name='ACME'/><product name='thin1'/>
    <vaai:lun blockSize='4096' blocks='262144' thin='yes'/>
    <vaai:plan>
      <vaai:operation name='zero' method='write-same' reason='WRITE SAME(16)'/>
      <vaai:operation name='unmap' method='none' reason='the LUN is not thin-provisioned'/>
      <vaai:operation name='copy' method='host' reason='no EXTENDED COPY: 3PC=0 in the standard INQUIRY data'/>
      <vaai:operation name='atomic' method='compare-and-write' reason='COMPARE AND WRITE of up to 1 block'/>
    </vaai:plan>
    <vaai:pool name='shared'/>
  </source>
  <source>
    <device path='/dev/sg3'/>
    <vaai:block name='sdc'/>
  </source>
</sources>"""


def test_vaaipool_reads_sources_and_status():
    vp = vaaipool_module()
    iscsi, local = vp.parse_sources(SOURCES)
    assert (iscsi.host, iscsi.port, iscsi.target, iscsi.lun) == \
        ("array", "3261", "iqn.2024-01.com.example:array", 7)
    assert iscsi.size == 1 << 30 and iscsi.pool_name == "shared"
    assert iscsi.offloads() == ["zero", "locking"]
    assert iscsi.describe() == ("ACME thin1, 1.0 GiB, thin; offloads zero, locking; "
                                "holds pool 'shared'")
    assert vp.plan_summary(iscsi.plan) == \
        "clone: host, zero: WRITE SAME, unmap: none, locking: COMPARE AND WRITE"
    # A LUN that reported nothing: no offload claimed, no pool, no IQN/LUN
    assert (local.target, local.lun, local.block, local.offloads()) == (None, None, "sdc", [])
    assert local.label() == "/dev/sg3 (sdc): unknown device, 0 B; no offload; no pool yet"

    assert vp.sources_spec() == "<source />"
    spec = ET.fromstring(vp.sources_spec(host="array", port=3261, initiator="iqn.x:h",
                                         auth_username="u", auth_secret_uuid="s-1"))
    assert spec.find("host").attrib == {"name": "array", "port": "3261"}
    assert spec.find("initiator/iqn").get("name") == "iqn.x:h"
    assert spec.find("auth").attrib == {"type": "chap", "username": "u"}
    assert spec.find("auth/secret").get("uuid") == "s-1"

    # A running pool's status: what the array did, and why not where it did not
    pool = f"""<pool type='vaai' xmlns:vaai='{VAAI_NS}'><name>p</name>
      <vaai:offload>
        <vaai:lun blockSize='512'/>
        {SOURCES.split('<vaai:plan>')[1].split('</vaai:plan>')[0].join(['<vaai:plan>', '</vaai:plan>'])}
        <vaai:counters>
          <vaai:counter operation='create' count='2' failed='1' blocks='4096'
                        offloadedBlocks='2048' hostBytes='0' linkBytes='512'/>
          <vaai:counter operation='clone' count='1' failed='0' blocks='2048'
                        offloadedBlocks='0' hostBytes='1048576' linkBytes='2097152'/>
          <vaai:counter operation='wipe' count='0' failed='0'/>
        </vaai:counters>
      </vaai:offload></pool>"""
    status = vp.OffloadStatus.from_pool_xml(pool)
    done, plan = status.summary()
    assert done == ["create: 2 (1.0 MiB offloaded, 0 B through this host), 1 failed",
                    "clone: 1 (0 B offloaded, 1.0 MiB through this host)"]
    assert plan.startswith("clone: host, zero: WRITE SAME")
    assert status.why_not() == ["clone: no EXTENDED COPY: 3PC=0 in the standard INQUIRY data",
                                "unmap: the LUN is not thin-provisioned"]
    assert vp.OffloadStatus.from_pool_xml("<pool type='dir'/>") is None
    assert vp.OffloadStatus.from_pool_xml("not xml") is None
