"""The pool's format and metadata lease on a real array (LIO over iSCSI).

- format refuses a LUN with another signature unless forced, and of two
  hosts formatting at once exactly one succeeds;
- format --reservations proves the array's persistent reservations first,
  and LIO's fail (one writer per initiator): refused, LUN untouched;
- a live holder keeps the lease: another host gives up after its wait;
- a holder that dies holding the lease (exits without releasing, so its
  heartbeat stops) is taken over after the lease timeout T, not earlier,
  and within T plus a few heartbeat intervals;
- hosts contending for the lease hold it one at a time: the intervals
  between "acquired" and "releasing" never overlap, generations only grow.

The tests share one array, in order: LUN 1 for the format cases, LUN 0
for the lease.
"""

import re
import subprocess
import time

import pytest

T_MS = 4000
P_MS = 500


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default")


def test_format_refuses_a_foreign_signature(lio, vaaictl):
    other = lio.urls[1]
    # An LVM label in sector 1.
    vaaictl.write(other, 0, bytes(512) + b"LABELONE" + bytes(16) + b"LVM2 001" + bytes(512 - 32))
    r = vaaictl.run("pool", "format", other, "--name", "p")
    assert r.returncode == 1 and "LVM2" in r.stderr, r.stderr
    r = vaaictl.run("pool", "info", other)
    assert r.returncode == 1, f"the refused LUN is no pool: {r.stdout}"
    vaaictl.ok("pool", "format", other, "--name", "p", "--force")
    r = vaaictl.run("pool", "format", other, "--name", "q")
    assert r.returncode == 1 and "vaai pool" in r.stderr, "format refuses an existing pool"


def test_concurrent_format_has_one_winner(lio, vaaictl):
    other = lio.urls[1]
    # When they overlap, one claims the LUN first and the other fails
    # saying so; they may also just run one after the other (force over a
    # finished pool).  Never neither.
    for i in range(3):
        procs = [subprocess.Popen(vaaictl.argv("pool", "format", other, "--name",
                                               f"race{i}{h}", "--force"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for h in "ab"]
        codes = [p.wait(120) for p in procs]
        errs = [p.stderr.read() for p in procs]
        assert codes.count(0) >= 1 and all(c == 0 or "another host" in e
                                           for c, e in zip(codes, errs)), \
            f"round {i}: exit codes {codes}: {errs}"
    info = vaaictl.ok("pool", "info", other)
    assert "race" in info.stdout, "the winner's pool opens"


def test_reservations_proven_before_use(lio, vaaictl):
    other = lio.urls[1]
    # LIO lets only the reserving session of an initiator write under an
    # All Registrants reservation, so the format refuses, says why, and
    # leaves the LUN as it was (the pool still there, no reservation).
    r = vaaictl.run("pool", "format", other, "--name", "r", "--force", "--reservations")
    assert r.returncode == 1 and "cannot fence hosts by persistent reservation" in r.stderr \
        and "did not reserve" in r.stderr, r.stderr
    info = vaaictl.ok("pool", "info", other)
    assert "race" in info.stdout and "fencing:     heartbeat" in info.stdout, info.stdout
    r = vaaictl.run("pool", "format", other, "--name", "r", "--force", "--reservations")
    assert "holds a" not in r.stderr, f"no reservation is left behind: {r.stderr}"


def test_live_holder_keeps_the_lease(lio, vaaictl):
    lun = lio.urls[0]
    vaaictl.ok("pool", "format", lun, "--name", "lease", "--force",
               "--lease-timeout", T_MS, "--heartbeat", P_MS)
    holder = subprocess.Popen(vaaictl.argv("pool", "lease", lun, "--host-uuid",
                                           "11111111-1111-1111-1111-111111111111", "--hold",
                                           "10"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = holder.stdout.readline() + holder.stdout.readline()
    assert "acquired" in line, f"host 1 acquires the lease: {line}"
    t0 = time.monotonic()
    r = vaaictl.run("pool", "lease", lun, "--host-uuid", "22222222-2222-2222-2222-222222222222",
                    "--wait", 2 * T_MS)
    waited = time.monotonic() - t0
    assert r.returncode == 1 and "live host" in r.stderr, r.stderr
    assert waited >= 2 * T_MS / 1000, f"host 2 waited its full {2 * T_MS} ms ({waited:.1f} s)"
    out, err = holder.communicate(timeout=60)
    assert holder.returncode == 0 and "released" in out, err


def test_dead_holder_taken_over_after_t(lio, vaaictl):
    lun = lio.urls[0]
    r = vaaictl.ok("pool", "lease", lun, "--host-uuid", "33333333-3333-3333-3333-333333333333",
                   "--no-release")
    assert "exiting without releasing" in r.stdout
    r = vaaictl.ok("pool", "lease", lun, "--host-uuid", "44444444-4444-4444-4444-444444444444",
                   "--wait", "30000")
    m = re.search(r"acquired generation \d+ after ([0-9.]+) s", r.stdout)
    assert m, r.stdout
    took = float(m.group(1))
    assert took >= T_MS / 1000, f"not before the lease timeout ({took:.2f} s)"
    assert took <= T_MS / 1000 + 4 * P_MS / 1000 + 2, f"within T + 4P + 2 s ({took:.2f} s)"


def test_contending_hosts_hold_one_at_a_time(lio, vaaictl):
    lun = lio.urls[0]
    procs = [subprocess.Popen(vaaictl.argv("pool", "lease", lun, "--host-uuid",
                                           f"5555555{h}-5555-5555-5555-555555555555",
                                           "--hold", "1", "--wait", "60000"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for h in range(4)]
    spans = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        a = re.search(r"acquired generation (\d+) .* at (\d+)", out)
        b = re.search(r"releasing at (\d+)", out)
        assert p.returncode == 0 and a and b, f"a contending host got and released it: {err}"
        spans.append((int(a.group(2)), int(b.group(1)), int(a.group(1))))
    spans.sort()
    assert not any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)), \
        f"the four holds never overlap: {spans}"
    gens = [g for _, _, g in spans]
    assert gens == sorted(gens) and len(set(gens)) == len(gens), \
        f"generations grow with every acquisition: {gens}"
