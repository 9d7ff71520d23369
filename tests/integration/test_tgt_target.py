"""The pool and the engine on a second, independent target: tgt
(tests/array/tgt-array), whose behaviour differs from LIO's where it counts.

- It advertises COMPARE AND WRITE (Block Limits, 128 blocks) and refuses
  it: caps says so and why, a pool for several hosts is refused naming
  --single-host, and a single-host pool is made, used and checked on it.
- It answers GET LBA STATUS (LIO does not): a clone through the host skips
  the source's holes, and the clone reads back equal to its source with a
  fraction of the volume crossing the link; a wipe reads back zeros; a
  delete gives the space back to the backing file.
- The daemon killed (SIGKILL) in the middle of a host copy, a wipe, a
  create and a delete (each stopped after its first piece of data, the
  daemon killed, then let go on): each ends with a clear error within
  BOUND_S and little CPU; once the daemon is back on the same LUNs, 'pool
  repair' settles the volume and 'pool check' is clean, and the source's
  data is intact.

The tests share one tgt daemon, in order.
"""

import os

import pytest

from vaaitest.process import last_line

MiB = 1024 * 1024
BOUND_S = 20


@pytest.fixture(scope="module")
def tgt(module_arrays):
    return module_arrays("tgt", "default")


@pytest.fixture(scope="module")
def shared():
    """What the tests of this module hand on: the source's bytes."""
    return {}


def allocated(tgt):
    out = tgt.exec("stat -c %b $TGT_ARRAY_BACKING").stdout
    return int(out.split()[0]) * 512


def test_compare_and_write_refused_single_host_pool(tgt, vaaictl):
    lun = tgt.urls[0]
    r = vaaictl.run("caps", lun)
    assert "atomic:      none" in r.stdout and "refused it" in r.stdout, r.stdout[-500:]
    assert "GET LBA STATUS yes" in r.stdout, r.stdout
    r = vaaictl.run("pool", "format", lun, "--name", "tgt")
    assert r.returncode == 1 and "--single-host" in r.stderr, r.stderr
    r = vaaictl.ok("pool", "format", lun, "--name", "tgt", "--single-host")
    assert "single host" in r.stdout


def test_host_clone_skips_holes_wipe_delete(tgt, vaaictl, shared):
    lun = tgt.urls[0]
    vaaictl.ok("vol", "create", lun, "src", 64 * MiB, "--single-host")
    src = vaaictl.volume(lun, "src")
    vaaictl.write(lun, src["lba"] + 2048, os.urandom(8 * MiB))
    shared["expect"] = expect = vaaictl.read(lun, src["lba"], 64 * MiB // 512)

    rep = vaaictl.json("vol", "clone", lun, "src", "dst", "--single-host")
    rep = rep.get("report", rep)
    link = rep.get("link", {})
    moved = link.get("bytes_out", 0) + link.get("bytes_in", 0)
    assert rep.get("skipped_blocks", 0) > 0 and moved < 24 * MiB, \
        f"{moved / MiB:.1f} MiB over the link for a 64 MiB volume with 8 MiB of data: {link}"
    dst = vaaictl.volume(lun, "dst")
    assert vaaictl.read(lun, dst["lba"], 64 * MiB // 512) == expect, \
        "the clone reads back equal to its source"

    used = allocated(tgt)
    vaaictl.ok("vol", "wipe", lun, "dst", "--single-host")
    assert vaaictl.read(lun, dst["lba"], 64 * MiB // 512) == bytes(64 * MiB), \
        "a wipe reads back zeros"
    vaaictl.ok("vol", "delete", lun, "dst", "--single-host")
    freed = used - allocated(tgt)
    assert freed >= 8 * MiB, \
        f"wipe and delete gave {freed / MiB:.1f} MiB back (the clone held 8 MiB of data)"
    clean, report = vaaictl.check(lun)
    assert clean, report


@pytest.mark.parametrize("tag,argv", [
    pytest.param("host clone", ["vol", "clone", "src", "dst", "--single-host", "--host-only",
                                "--inflight", "1"], id="host-clone"),
    pytest.param("wipe", ["vol", "wipe", "src", "--single-host", "--algorithm", "dod"],
                 id="wipe"),
    pytest.param("create", ["vol", "create", "big", str(96 * MiB), "--single-host"],
                 id="create"),
    pytest.param("delete", ["vol", "delete", "victim", "--single-host"], id="delete"),
])
def test_target_killed_mid_way(tgt, vaaictl, shared, tag, argv):
    lun = tgt.urls[0]
    if tag == "delete":
        vaaictl.ok("vol", "create", lun, "victim", 8 * MiB, "--single-host")
    argv = argv[:2] + [lun] + argv[2:]
    r = vaaictl.interrupted("--timeout", "10", *argv, interrupt=tgt.kill)
    assert r.went and r.returncode == 1 and r.took <= BOUND_S and r.cpu < 3, \
        f"{tag}: ended in {r.took:.1f} s (bound {BOUND_S} s), {r.cpu:.2f} s of CPU, " \
        f"exit {r.returncode}: {last_line(r.err)[-150:]}"
    tgt.revive()
    vaaictl.run("pool", "repair", lun, "--single-host")
    clean, report = vaaictl.check(lun)
    assert clean, f"{tag}: after the target is back, repair leaves the pool clean: {report}"
    # A wipe the kill interrupted may have been finished by the repair:
    # the source holds its data or zeros, never anything else.
    src = vaaictl.volume(lun, "src")
    got = vaaictl.read(lun, src["lba"], 64 * MiB // 512)
    assert got == shared["expect"] or got == bytes(64 * MiB), \
        "the source volume holds its data (or the zeros of its finished wipe)"
