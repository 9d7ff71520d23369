"""Every file in examples/ works as its comment says, against the LIO
test array and the patched libvirtd, so that none of them can rot:

- each pool XML validates against libvirt's schema and defines; the
  iSCSI one, pointed at the test array, starts;
- the volume XML creates a volume, and vol-create-from clones one;
- the domain XML defines, and becomes QEMU's command line with the
  volume's slice of the LUN (domxml-to-native);
- clone-volume.py clones through the Python API and reports the method;
- vaaictl-session.sh runs from start to end on another LUN.
"""

import os
import re
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(TOP, "examples")


def example(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return f.read()


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default")


def pointed_at(xml, lio):
    """The iSCSI pool example with the test array's port and IQN."""
    hostport, iqn_lun = lio.urls[0][len("iscsi://"):].split("/", 1)
    xml = re.sub(r"port='\d+'", f"port='{hostport.rsplit(':', 1)[1]}'", xml)
    return re.sub(r"<device path='[^']+'/>", f"<device path='{iqn_lun}'/>", xml)


def test_pool_examples_validate_and_define(hosts, tmp_path):
    h = hosts("host1")
    for name in sorted(os.listdir(EXAMPLES)):
        if not name.startswith("pool-"):
            continue
        path = os.path.join(EXAMPLES, name)
        r = h.virsh("pool-define", "--validate", path)
        assert r.returncode == 0, f"{name}: {r.stderr}"
        pool = re.search(r"<name>([^<]+)</name>", example(name)).group(1)
        h.virsh("pool-undefine", pool, check=True)


def test_iscsi_pool_volume_domain_examples(lio, hosts, vaaictl, tmp_path):
    vaaictl.ok("pool", "format", lio.urls[0], "--name", "p", "--force")
    h = hosts("host1")
    pool_xml = tmp_path / "pool.xml"
    pool_xml.write_text(pointed_at(example("pool-vaai-iscsi.xml"), lio))
    h.virsh("pool-define", "--validate", pool_xml, check=True)
    h.virsh("pool-start", "p", check=True)

    h.virsh("vol-create", "p", os.path.join(EXAMPLES, "vol-vaai.xml"), check=True)
    info = h.virsh("vol-info", "--pool", "p", "vm1", "--bytes", check=True).stdout
    assert re.search(r"Capacity:\s+67108864 bytes", info), info
    golden = tmp_path / "golden.xml"
    golden.write_text(example("vol-vaai.xml").replace("<name>vm1</name>",
                                                      "<name>golden</name>"))
    h.virsh("vol-create-from", "p", golden, "vm1", "--inputpool", "p", check=True)
    assert vaaictl.volume(lio.urls[0], "golden")["capacity"] == 64 * 1024 * 1024

    dom = os.path.join(EXAMPLES, "domain-vaai-disk.xml")
    h.virsh("define", "--validate", dom, check=True)
    argv = h.virsh("domxml-to-native", "qemu-argv", "--domain", "vm1", check=True).stdout
    lba = vaaictl.volume(lio.urls[0], "vm1")["lba"]
    assert '"driver":"iscsi"' in argv and \
        f'"driver":"raw","offset":{lba * 512},"size":{64 * 1024 * 1024}' in argv, argv
    h.virsh("undefine", "vm1", check=True)

    uri = f"qemu+unix:///system?socket={h.dir}/root/run/libvirt/libvirt-sock"
    r = subprocess.run(["/usr/bin/python3", os.path.join(EXAMPLES, "clone-volume.py"), uri,
                        "p", "golden", "copy"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "copy: 67108864 bytes" in r.stdout and \
        "by xcopy-lid1" in r.stdout, r.stdout + r.stderr
    assert vaaictl.read_volume(lio.urls[0], "copy") == \
        vaaictl.read_volume(lio.urls[0], "golden")


def test_vaaictl_session(lio, vaaictl):
    r = subprocess.run([os.path.join(EXAMPLES, "vaaictl-session.sh"), lio.urls[1],
                        vaaictl.path], capture_output=True, text=True, timeout=600,
                       env=vaaictl.env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "golden" in r.stdout and "vm1" in r.stdout, r.stdout
