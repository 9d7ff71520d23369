"""Many clients of the vaai pool type at once, end to end: the LIO test
array, LUN 0 formatted as a vaai pool, and two phases of mixed virsh
operations against it:

  a. one daemon (host1) with 8 virsh clients at once,
  b. two daemons (host1, host2) sharing the pool, 4 clients each,

each for --seconds (STRESS_SECONDS, default 60; the volumes of phase a are
deleted before phase b).  Every client owns its volumes (names with its
own prefix) and keeps a model of them: capacity and the data it uploaded.
It creates (zeroed), uploads a random 256 KiB at offset 0, clones (the
copy holds the source's data), grows (data kept, the rest zeros), wipes
(all zeros) and deletes.  Operations of different clients race in the
pool's lease, allocator and table, inside one daemon and between the two.

After each phase: every operation succeeded, `vaaictl pool check` is clean
(no overlapping extents, nothing busy), and every volume's extent on the
LUN reads back what its model says (its first 512 KiB and last 64 KiB).

Then a clone onto a name the other host has just taken fails and leaves
that host's volume and data as they were, and pool-delete of the emptied
pool is refused while the other host uses it and done once it stopped.

The tests share the array and the daemons, in order.  STRESS_SEED makes
a run repeatable.
"""

import os
import random
import threading
import time

import pytest

MiB = 1024 * 1024
KiB = 1024
DATA = 256 * KiB        # what an upload writes at offset 0
HEAD = 512 * KiB        # read back from each volume's start ...
TAIL = 64 * KiB         # ... and end
MAX_VOLS = 2            # per client: 16 volumes of at most 8 MiB leave
MAX_CAP = 8 * MiB       # the 256 MiB LUN room to spare, fragmented too
POOL = "stress"
SECONDS = float(os.environ.get("STRESS_SECONDS", "60"))
SEED = int(os.environ.get("STRESS_SEED", str(int(time.time()))))


class Vol:
    def __init__(self, capacity, data=None):
        self.capacity = capacity
        self.data = data        # bytes at offset 0, or None: all zeros

    def expected(self, offset, length):
        out = bytearray(length)
        if self.data is not None and offset < len(self.data):
            n = min(len(self.data) - offset, length)
            out[:n] = self.data[offset:offset + n]
        return bytes(out)


class Client(threading.Thread):
    def __init__(self, host, name, seed, until, work):
        super().__init__(name=name)
        self.host = host
        self.prefix = name
        self.rng = random.Random(seed)
        self.until = until
        self.work = work
        self.vols = {}
        self.serial = 0
        self.ops = {}
        self.errors = []

    def new_name(self):
        self.serial += 1
        return f"{self.prefix}-{self.serial}"

    def do(self, op, argv, apply):
        r = self.host.virsh(*argv)
        self.ops[op] = self.ops.get(op, 0) + 1
        if r.returncode != 0:
            self.errors.append(f"{self.host.name} {' '.join(argv)}: "
                               f"{(r.stdout + r.stderr).strip()}")
            return
        apply()

    def step(self):
        names = sorted(self.vols)
        choices = []
        if len(names) < MAX_VOLS:
            choices += ["create"] * 3
            if names:
                choices += ["clone"] * 2
        if names:
            choices += ["upload"] * 3 + ["wipe", "delete"]
            if any(self.vols[n].capacity + 2 * MiB <= MAX_CAP for n in names):
                choices += ["grow"] * 2
        op = self.rng.choice(choices)
        if op == "create":
            name = self.new_name()
            self.do(op, ["vol-create-as", POOL, name, "2M"],
                    lambda: self.vols.__setitem__(name, Vol(2 * MiB)))
        elif op == "clone":
            src = self.rng.choice(names)
            name = self.new_name()
            v = self.vols[src]
            self.do(op, ["vol-clone", "--pool", POOL, src, name],
                    lambda: self.vols.__setitem__(name, Vol(v.capacity, v.data)))
        elif op == "upload":
            name = self.rng.choice(names)
            data = self.rng.randbytes(DATA)
            path = os.path.join(self.work, f"{self.prefix}.up")
            with open(path, "wb") as f:
                f.write(data)
            self.do(op, ["vol-upload", "--pool", POOL, name, path],
                    lambda: setattr(self.vols[name], "data", data))
        elif op == "grow":
            name = self.rng.choice([n for n in names if self.vols[n].capacity + 2 * MiB <= MAX_CAP])
            cap = self.vols[name].capacity + 2 * MiB
            self.do(op, ["vol-resize", "--pool", POOL, name, str(cap)],
                    lambda: setattr(self.vols[name], "capacity", cap))
        elif op == "wipe":
            name = self.rng.choice(names)
            self.do(op, ["vol-wipe", "--pool", POOL, name],
                    lambda: setattr(self.vols[name], "data", None))
        elif op == "delete":
            name = self.rng.choice(names)
            self.do(op, ["vol-delete", "--pool", POOL, name], lambda: self.vols.pop(name))

    def run(self):
        try:
            while time.monotonic() < self.until:
                self.step()
        except Exception as e:      # a test bug must show, not hang the phase
            self.errors.append(f"{self.prefix}: {e!r}")


@pytest.fixture(scope="module")
def lun(module_arrays, vaaictl):
    url = module_arrays("lio", "default").urls[0]
    vaaictl.ok("pool", "format", url, "--name", POOL, "--force")
    print(f"# seed {SEED}")
    return url


@pytest.fixture(scope="module")
def pair(lun, module_hosts):
    """host1 and host2 (started when phase b needs it), each with the pool."""
    h1 = module_hosts("host1")
    h1.define_pool(POOL, lun, initiator="iqn.2024-11.org.libvirt-vaai:stress-host1")
    return module_hosts, [h1]


def run_phase(phase, layout, seed, vaaictl, lun, work):
    until = time.monotonic() + SECONDS
    clients = []
    for host, n in layout:
        for i in range(n):
            clients.append(Client(host, f"{phase}{host.name[-1]}c{i}",
                                  seed * 100 + len(clients), until, str(work)))
    for c in clients:
        c.start()
    for c in clients:
        c.join()

    errors = [e for c in clients for e in c.errors]
    ops = {}
    for c in clients:
        for k, n in c.ops.items():
            ops[k] = ops.get(k, 0) + n
    summary = ", ".join(f"{k} {n}" for k, n in sorted(ops.items()))
    print(f"# {phase}: {sum(ops.values())} operations by {len(clients)} clients ({summary})")
    assert ops and not errors, "\n".join(errors[:10])

    clean, report = vaaictl.check(lun)
    assert clean, report
    bad = []
    for c in clients:
        for name, vol in sorted(c.vols.items()):
            info = vaaictl.volume(lun, name)
            if info.get("capacity") != vol.capacity:
                bad.append(f"{name}: capacity {info.get('capacity')}, model {vol.capacity}")
                continue
            bs = info.get("block_size", 512)
            for off, length in ((0, HEAD), (vol.capacity - TAIL, TAIL)):
                if vaaictl.read(lun, info["lba"] + off // bs, length // bs) != \
                        vol.expected(off, length):
                    bad.append(f"{name}: bytes {off}+{length} differ from the model "
                               f"({'uploaded data' if vol.data else 'zeros'})")
                    break
    assert not bad, "\n".join(bad[:10])

    # Give the space back for the next phase.
    left = []
    for c in clients:
        for name in sorted(c.vols):
            r = c.host.virsh("vol-delete", "--pool", POOL, name)
            if r.returncode != 0:
                left.append(f"{name}: {r.stderr.strip()}")
    assert not left, "\n".join(left[:10])


def test_phase_a_one_daemon_eight_clients(pair, vaaictl, lun, tmp_path):
    _, (h1,) = pair
    run_phase("a", [(h1, 8)], SEED, vaaictl, lun, tmp_path)


def test_phase_b_two_daemons_four_clients_each(pair, vaaictl, lun, tmp_path):
    start, hosts = pair
    h2 = start("host2")
    h2.define_pool(POOL, lun, initiator="iqn.2024-11.org.libvirt-vaai:stress-host2")
    hosts.append(h2)
    run_phase("b", [(hosts[0], 4), (h2, 4)], SEED + 1, vaaictl, lun, tmp_path)


def test_clone_onto_a_name_just_taken(pair, vaaictl, lun, tmp_path):
    # The cleanup libvirt runs after a failed build (deleteVol of the
    # volume it meant to build, by its key) leaves the other host's volume
    # as it was.
    _, (h1, h2) = pair
    data = random.Random(SEED).randbytes(DATA)
    path = tmp_path / "taken.up"
    path.write_bytes(data)
    h1.virsh("vol-create-as", POOL, "csrc", "2M", check=True)
    h2.virsh("vol-create-as", POOL, "taken", "2M", check=True)
    h2.virsh("vol-upload", "--pool", POOL, "taken", path, check=True)
    c = h1.virsh("vol-clone", "--pool", POOL, "csrc", "taken")
    print("# the clone was refused by "
          + ("the pool (the name taken on the LUN): libvirt then deleted 'its' volume by key"
             if "already exists in pool" in c.stderr else
             "libvirt (host1 had seen host2's volume already)"))
    assert c.returncode != 0, c.stdout
    info = vaaictl.volume(lun, "taken")
    assert vaaictl.read(lun, info["lba"], DATA // info.get("block_size", 512)) == data, \
        "host2's volume keeps its data"
    h1.virsh("vol-delete", "--pool", POOL, "csrc", check=True)
    h2.virsh("vol-delete", "--pool", POOL, "taken", check=True)


def test_pool_delete_waits_for_the_other_host(pair, vaaictl, lun):
    _, (h1, h2) = pair
    h1.virsh("pool-destroy", POOL, check=True)
    r = h1.virsh("pool-delete", POOL)
    assert r.returncode != 0 and "in use by host" in r.stderr, r.stdout + r.stderr
    vaaictl.ok("pool", "info", lun)     # untouched
    h2.virsh("pool-destroy", POOL, check=True)
    h1.virsh("pool-delete", POOL, check=True)
    assert vaaictl.run("pool", "info", lun).returncode != 0, "LUN 0 is no pool any more"
