"""Volumes held open across hosts, on the LIO array over iSCSI
(docs/format.md "In-use records"): `vaaictl vol hold` plays a domain.

- while host A holds a volume, host B's delete, wipe, resize and rename
  and its opening the volume for another domain are refused naming A,
  and the volume's data reads back unchanged; `vol info` names A;
- a migration's destination B comes in beside A, a third host cannot,
  and B takes the volume over once A let go;
- a holder killed with SIGKILL keeps the volume until its heartbeat has
  stood still for the lease timeout T (a repair that watched for less
  changes nothing), and frees it after; the data is intact.
"""

import os
import subprocess
import time

import pytest

from vaaitest.identities import DOM1, DOM2, HOSTS
from vaaitest.vaaictl import Vaaictl

T_MS = 4000
P_MS = 500
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def lun(module_arrays):
    return module_arrays("lio", "default").urls[0]


@pytest.fixture(scope="module")
def host(vaaictl):
    """host(x): vaaictl as host x."""
    return lambda x: Vaaictl(vaaictl.path, host_uuid=HOSTS[x])


class Holder:
    """`vaaictl vol hold` running as a host, told what to do on stdin."""

    def __init__(self, vc, url, name, who, owner=DOM1, mode="exclusive"):
        self.proc = subprocess.Popen(
            vc.argv("vol", "hold", url, name, "--owner", owner, "--mode", mode,
                    "--host-name", f"host-{who}"),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=vc.env)
        self.line = self.proc.stdout.readline().strip()

    def tell(self, what):
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def release(self):
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        assert self.proc.wait(60) == 0 and "released" in out, self.proc.stderr.read()

    def kill(self):
        self.proc.kill()
        self.proc.wait(60)


def holders(vc, url, name):
    return [(h["host"], h["mode"], h["owner"]) for h in vc.json("vol", "info", url, name)["holders"]]


def refused(r, who):
    return r.returncode != 0 and f"in use by host host-{who} (" in r.stderr


def test_format(lun, vaaictl):
    vaaictl.ok("pool", "format", lun, "--name", "holds", "--force",
               "--lease-timeout", T_MS, "--heartbeat", P_MS)
    info = vaaictl.json("pool", "info", lun)
    assert info["format_minor"] >= 1 and \
        info["in_use_lba"] == info["volume_table_lba"] + info["volume_records"] and \
        info["data_lba"] >= info["in_use_lba"] + info["volume_records"], \
        f"a new pool has an in-use area after its table: {info}"


def test_refusals_name_the_holder(lun, host):
    a, b = host("a"), host("b")
    a.ok("vol", "create", lun, "x", 16 * MiB)
    v = a.volume(lun, "x")
    data = os.urandom(MiB)
    a.write(lun, v["lba"], data)

    h = Holder(a, lun, "x", "a")
    assert h.line == "held exclusive", h.proc.stderr.read()
    assert holders(b, lun, "x") == [("host-a", "exclusive", DOM1)]
    assert "in use by host host-a (exclusive, for " + DOM1 in b.ok("vol", "info", lun, "x").stdout
    for argv in (["delete", lun, "x"], ["wipe", lun, "x"], ["wipe", lun, "x", "--trim"],
                 ["resize", lun, "x", 32 * MiB], ["rename", lun, "x", "y"]):
        r = b.run("vol", *argv)
        assert refused(r, "a"), f"vol {argv[0]}: {r.returncode} {r.stderr}"
    r = subprocess.run(b.argv("vol", "hold", lun, "x", "--owner", DOM2), env=b.env,
                       text=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode != 0 and "refused: cannot open volume 'x': it is in use by host host-a" \
        in r.stdout, r.stdout + r.stderr
    assert a.volume(lun, "x")["state"] == "ready" and a.volume(lun, "x")["lba"] == v["lba"]
    assert a.read(lun, v["lba"], MiB // 512) == data, "the refused operations left x's data"

    h.release()
    assert holders(b, lun, "x") == []
    b.ok("vol", "rename", lun, "x", "y")
    b.ok("vol", "delete", lun, "y")
    ok, out = b.check(lun)
    assert ok, out


def test_migration_moves_the_hold(lun, host):
    a, b, c = host("a"), host("b"), host("c")
    a.ok("vol", "create", lun, "m", 16 * MiB)
    src = Holder(a, lun, "m", "a")
    assert src.line == "held exclusive"
    dst = Holder(b, lun, "m", "b", mode="incoming")
    assert dst.line == "held incoming migration", dst.proc.stderr.read()
    assert holders(c, lun, "m") == [("host-a", "exclusive", DOM1),
                                    ("host-b", "incoming", DOM1)]
    third = Holder(c, lun, "m", "c", owner=DOM2)
    assert third.line.startswith("refused:") and "host-a" in third.line, third.line
    third.proc.wait(60)
    # B cannot take over while A holds it; once A let go it can
    assert dst.tell("exclusive").startswith("refused:")
    src.release()
    assert dst.tell("exclusive") == "held exclusive"
    assert holders(c, lun, "m") == [("host-b", "exclusive", DOM1)]
    dst.release()
    a.ok("vol", "delete", lun, "m")


def test_dead_holder_frees_the_volume_after_the_bound(lun, host):
    a, b = host("a"), host("b")
    a.ok("vol", "create", lun, "d", 16 * MiB)
    v = a.volume(lun, "d")
    data = os.urandom(MiB)
    a.write(lun, v["lba"], data)
    h = Holder(b, lun, "d", "b")
    assert h.line == "held exclusive"
    h.kill()
    died = time.monotonic()

    # watched for less than T: B may be alive (stalled), so d stays held
    a.ok("pool", "repair", lun, "--wait", T_MS // 4)
    assert refused(a.run("vol", "delete", lun, "d"), "b")
    assert time.monotonic() - died < T_MS / 1000, "the refusal was seen inside the bound"
    # watched for T: B's slot is taken back, and with it the hold
    a.ok("pool", "repair", lun, "--wait", T_MS + 2 * P_MS)
    assert time.monotonic() - died >= T_MS / 1000
    assert holders(a, lun, "d") == []
    h2 = Holder(a, lun, "d", "a", owner=DOM2)
    assert h2.line == "held exclusive", h2.line
    assert a.read(lun, v["lba"], MiB // 512) == data, "the data survived its holder"
    h2.release()
    a.ok("vol", "delete", lun, "d")
    ok, out = a.check(lun)
    assert ok, out
