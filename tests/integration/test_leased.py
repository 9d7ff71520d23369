"""vaai-leased, the per-host lease daemon, on the LIO array over iSCSI
(docs/lease-daemon.md): two daemons as hosts A and B, `sleep` processes
as the domains' QEMUs.

- A holds a volume for a domain; B's daemon refuses another domain naming
  A; `vol info` names A; the hold goes when the domain's process exits,
  with no request (libvirt says nothing when a domain stops or crashes);
- a migration: B comes in beside A, and B's take-over waits for A to let
  go instead of failing;
- A's heartbeat cannot be renewed (its portal closed): A's daemon kills
  the process holding a volume before the lease timeout T runs out, and
  once T has passed B can hold the volume;
- a daemon asked to stop while it holds volumes stays.
"""

import os
import signal
import subprocess
import threading
import time

import pytest

from vaaitest.leased import DEFAULT, Leased, LeaseError
from vaaitest.identities import DOM1, DOM2, HOSTS

T_MS = 4000
P_MS = 500
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default")


@pytest.fixture(scope="module")
def daemons(request, lio, vaaictl, tmp_path_factory):
    d = tmp_path_factory.mktemp("leased")
    path = os.path.join(os.path.dirname(os.path.dirname(vaaictl.path)), "vaai-leased",
                        "vaai-leased")
    vaaictl.ok("pool", "format", lio.urls[0], "--name", "leased", "--force",
               "--lease-timeout", T_MS, "--heartbeat", P_MS)
    started = {}
    for h in "ab":
        started[h] = Leased(path if os.path.exists(path) else DEFAULT,
                            str(d / f"{h}.sock"), HOSTS[h], f"host-{h}",
                            str(d / f"{h}.log")).start()
        started[h].call("pool", name="p", spec=lio.urls[0])
    yield started
    for h in started.values():
        h.stop()
    for h in "ab":
        print(open(d / f"{h}.log").read())


@pytest.fixture
def domain():
    """domain(): a process standing for a domain's QEMU."""
    procs = []

    def start():
        p = subprocess.Popen(["sleep", "600"])
        procs.append(p)
        return p
    yield start
    for p in procs:
        p.kill()
        p.wait()


def holders(vaaictl, url, name):
    return [(h["host"], h["mode"], h["owner"]) for h in vaaictl.json("vol", "info", url, name)["holders"]]


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_hold_refuse_and_let_go_with_the_process(lio, vaaictl, daemons, domain):
    a, b = daemons["a"], daemons["b"]
    url = lio.urls[0]
    vaaictl.ok("vol", "create", url, "x", 16 * MiB)
    q1 = domain()
    a.call("acquire", pool="p", volume="x", owner=DOM1, name="vm1", pid=q1.pid, mode="exclusive")
    assert holders(vaaictl, url, "x") == [("host-a", "exclusive", DOM1)]
    assert [(h["volume"], h["pid"]) for h in a.holds()] == [("x", q1.pid)]
    q2 = domain()
    with pytest.raises(LeaseError) as e:
        b.call("acquire", pool="p", volume="x", owner=DOM2, name="vm2", pid=q2.pid,
               mode="incoming")
    assert e.value.code == "busy" and "in use by host host-a (exclusive" in e.value.message
    with pytest.raises(LeaseError) as e:
        b.call("acquire", pool="nope", volume="x", owner=DOM2, mode="exclusive")
    assert e.value.code == "not-found" and "no pool 'nope'" in e.value.message
    r = vaaictl.run("vol", "delete", url, "x")
    assert r.returncode != 0 and "in use by host host-a" in r.stderr, r.stderr

    # the domain's process ends: its hold goes, unasked
    q1.kill()
    q1.wait()
    wait_for(lambda: holders(vaaictl, url, "x") == [], 10, "the hold of a dead process goes")
    assert a.holds() == []
    b.call("acquire", pool="p", volume="x", owner=DOM2, name="vm2", pid=q2.pid, mode="exclusive")
    b.call("release", owner=DOM2)
    assert holders(vaaictl, url, "x") == []
    vaaictl.ok("vol", "delete", url, "x")


def test_migration_take_over_waits_for_the_source(lio, vaaictl, daemons, domain):
    a, b = daemons["a"], daemons["b"]
    url = lio.urls[0]
    vaaictl.ok("vol", "create", url, "m", 16 * MiB)
    src, dst = domain(), domain()
    a.call("acquire", pool="p", volume="m", owner=DOM1, pid=src.pid, mode="exclusive")
    b.call("acquire", pool="p", volume="m", owner=DOM1, pid=dst.pid, mode="incoming")
    assert holders(vaaictl, url, "m") == [("host-a", "exclusive", DOM1),
                                          ("host-b", "incoming", DOM1)]
    # without waiting it is refused: A holds it
    with pytest.raises(LeaseError):
        b.call("acquire", pool="p", volume="m", owner=DOM1, pid=dst.pid, mode="exclusive")
    # A lets go 1.5 s into B's wait of 10 s
    timer = threading.Timer(1.5, lambda: a.call("release", owner=DOM1, pool="p"))
    timer.start()
    t0 = time.monotonic()
    b.call("acquire", pool="p", volume="m", owner=DOM1, pid=dst.pid, mode="exclusive",
           wait_ms=10000)
    waited = time.monotonic() - t0
    timer.join()
    assert 1.0 < waited < 8, waited
    assert holders(vaaictl, url, "m") == [("host-b", "exclusive", DOM1)]
    b.call("release", owner=DOM1)
    vaaictl.ok("vol", "delete", url, "m")


def test_daemon_with_holds_does_not_stop(lio, vaaictl, daemons, domain):
    a = daemons["a"]
    vaaictl.ok("vol", "create", lio.urls[0], "s", 16 * MiB)
    q = domain()
    a.call("acquire", pool="p", volume="s", owner=DOM1, pid=q.pid, mode="exclusive")
    a.proc.send_signal(signal.SIGTERM)
    time.sleep(1)
    assert a.proc.poll() is None, "vaai-leased stopped while it held a volume"
    a.call("release", owner=DOM1)
    vaaictl.ok("vol", "delete", lio.urls[0], "s")


def test_lost_heartbeat_kills_the_holder_before_the_bound(lio, vaaictl, daemons, domain):
    a, b = daemons["a"], daemons["b"]
    url = lio.urls[0]
    vaaictl.ok("vol", "create", url, "f", 16 * MiB)
    q = domain()
    a.call("acquire", pool="p", volume="f", owner=DOM1, pid=q.pid, mode="exclusive")
    # the array goes away for A and B alike (one portal): A's heartbeat
    # cannot be renewed, and A must kill q before T has passed
    t0 = time.monotonic()
    lio.portal(False)
    try:
        q.wait(T_MS / 1000 + 2)
        killed = time.monotonic() - t0
    finally:
        lio.portal(True)
    assert q.returncode == -signal.SIGKILL, q.returncode
    assert killed < T_MS / 1000, f"killed {killed:.1f} s after the portal closed (T = {T_MS} ms)"
    print(f"holder killed {killed:.2f} s after the portal closed (T = {T_MS / 1000} s)")
    # A's hold is left to expire with its heartbeat slot: B gets the
    # volume once it watched the slot stand still for T
    q2 = domain()
    vaaictl.ok("pool", "repair", url, "--wait", T_MS + 2 * P_MS,
               "--host-uuid", HOSTS["b"])
    wait_for(lambda: holders(vaaictl, url, "f") == [], 30, "A's hold expired")
    b.call("acquire", pool="p", volume="f", owner=DOM2, pid=q2.pid, mode="exclusive")
    b.call("release", owner=DOM2)
