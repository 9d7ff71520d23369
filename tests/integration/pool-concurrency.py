#!/usr/bin/env python3
"""Several hosts working on one pool at once, on a real array (LIO over iSCSI).

Four workers act as four hosts (each its own host UUID, host name and iSCSI
initiator name; every vaaictl command is a process of its own with its own
iSCSI session and heartbeat slot).  Each runs OPS operations picked at
random with a fixed seed: vol create, clone (of its own volumes or of
another host's, which that host may delete, rename or change meanwhile),
wipe, delete, resize (grow, in place or by moving; shrink), rename, and
writes of a self-describing pattern at the volume's LBA (from `vol info`)
to its own volumes between operations on them.

Each worker keeps a model of its volumes: names, capacities and, block by
block, the content it wrote (a clone of its own volume copies the source's
model; a clone of another host's volume may hold any block that host's
volumes wrote at that offset, or zeros; a wipe makes zeros; a grow reads
zeros past the old capacity; a shrink keeps the prefix).  An operation
that fails must exit 1 with a message on stderr; failures are counted by
reason.

Afterwards: `pool check` says ok, no busy or orphaned records, nothing
leaked; `pool list` holds exactly the volumes the models hold, with their
capacities and pairwise disjoint extents inside the data area (checked
here, independently of the tool); every live volume is read back whole and
compared with its model.

Usage: pool-concurrency.py --vaaictl PATH --lio-array PATH [--port N]
                           [--ops N] [--seed N] [--workers N]
"""

import argparse
import collections
import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vaaitest.results import Results  # noqa: E402

T_MS = 3000             # lease timeout of the test pool
P_MS = 500              # heartbeat interval
WORKERS = 4
KIB = 1024
MIB = 1024 * KIB
STEP = 512 * KIB        # capacities are multiples of this (sometimes plus a bit)
MAX_CAP = 10 * MIB
MAX_VOLS = 6            # per worker, so that the pool (255 MiB) mostly has room
CMD_TIMEOUT = 300

R = Results()
say = R.say
check = R.check


# ---- Self-describing data blocks ----

MAGIC = b"PCT1"
HEAD = struct.Struct(">4sIIIQ")     # magic, worker, serial, generation, block offset


def pattern(bs, worker, serial, gen, first, count):
    """count blocks of volume @serial's write @gen, from block offset @first."""
    blocks = []
    for off in range(first, first + count):
        head = HEAD.pack(MAGIC, worker, serial, gen, off)
        body = hashlib.shake_128(head).digest(bs - HEAD.size - 4)
        blocks.append(head + body + struct.pack(">I", zlib.crc32(head + body)))
    return blocks


def describe(block):
    """What a block read back is: 'zero', (worker, serial, gen, off) or 'garbage'."""
    if block.count(0) == len(block):
        return "zero"
    if block[:4] != MAGIC or zlib.crc32(block[:-4]) != struct.unpack(">I", block[-4:])[0]:
        return "garbage"
    _, worker, serial, gen, off = HEAD.unpack(block[:HEAD.size])
    return (worker, serial, gen, off)


# ---- The models ----

class Vol:
    """One volume as its owner believes it is.

    blocks: block offset -> tuple of allowed contents (bytes, or None for
    zeros); a block not in it reads as zeros, except below unknown_below,
    where it may also be any valid pattern block written at the same offset
    by a volume in lineage (the content of another host's volume, cloned
    while that host may have been writing)."""

    def __init__(self, serial, cap, lineage):
        self.serial = serial
        self.cap = cap
        self.blocks = {}
        self.unknown_below = 0
        self.lineage = lineage
        self.gen = 0
        self.lba = None         # where it was last seen
        self.written = False
        self.frozen = None      # the failed operation that left it uncertain

    def copy_for_clone(self, serial, cap, lineage, bs):
        v = Vol(serial, cap, lineage)
        n = self.cap // bs
        v.blocks = {b: c for b, c in self.blocks.items() if b < n}
        v.unknown_below = min(self.unknown_below, n)
        return v

    def resize(self, cap, bs):
        if cap < self.cap:
            n = cap // bs
            self.blocks = {b: c for b, c in self.blocks.items() if b < n}
            self.unknown_below = min(self.unknown_below, n)
        self.cap = cap


class Registry:
    """What the workers tell each other: which names exist (as far as their
    owners know) and which serial, hence lineage, a name stands for.  Names
    are never reused, so a name means one volume forever."""

    def __init__(self):
        self.lock = threading.Lock()
        self.serial_of = {}         # name -> serial
        self.lineage = {}           # serial -> frozenset of serials its data may come from
        self.live = {}              # worker -> set of names

    def add(self, name, serial, lineage):
        with self.lock:
            self.serial_of[name] = serial
            self.lineage[serial] = lineage

    def publish(self, worker, names):
        with self.lock:
            self.live[worker] = set(names)

    def others(self, worker):
        with self.lock:
            return sorted(n for w, names in self.live.items() if w != worker for n in names)

    def lookup(self, name):
        with self.lock:
            s = self.serial_of[name]
            return s, self.lineage[s]


# Failures that change nothing: refused before any record was written.
CLEAN_REASONS = [
    r"no volume '.*' in pool",
    r"is \w+, not ready",
    r"is the source of clone '.*' in progress",
    r"already exists",
    r"has no free extent",
    r"held by a live host",
    r"would shrink",
]
# Clone or create failures roll the new record back; these are the ones a
# clone meets when its source changes under it.
CLONE_RACE = r"changed while it was copied"


def reason_key(msg):
    msg = re.sub(r"'[^']*'", "'X'", msg)
    return re.sub(r"\d+", "N", msg)


class Worker(threading.Thread):
    def __init__(self, idx, ctx):
        super().__init__(name=f"host{idx}")
        self.idx = idx
        self.ctx = ctx
        self.rng = random.Random(ctx.seed * 1000 + idx)
        self.uuid = f"c0cc0000-0000-4000-8000-{idx + 1:012x}"
        self.host_name = f"conc-host{idx}"
        self.initiator = f"iqn.2024-01.org.libvirt-vaai:conc-host{idx}"
        self.vols = {}                      # name -> Vol
        self.nserial = 0
        self.nname = 0
        self.done = collections.Counter()   # op -> successes
        self.failed = collections.Counter()  # (op, reason) -> count
        self.resizes = collections.Counter()  # grow/shrink, in place or moved
        self.problems = []                  # what this worker found wrong
        self.commands = 0
        self.tmp = tempfile.mkdtemp(prefix=f"pool-conc-{idx}-")

    # -- running vaaictl --

    def vaaictl(self, *argv, host=False):
        args = [self.ctx.vaaictl, "--initiator", self.initiator, *argv]
        if host:
            args += ["--host-uuid", self.uuid, "--host-name", self.host_name,
                     "--lease-wait", "60000", "--json"]
        self.commands += 1
        t0 = time.monotonic()
        try:
            r = subprocess.run(args, text=True, capture_output=True, timeout=CMD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.problem(f"hung for {CMD_TIMEOUT} s (killed): {' '.join(args)}")
            return None
        took = time.monotonic() - t0
        if took > 60:
            say(f"# {self.name}: slow ({took:.0f} s): {' '.join(argv)}")
        return r

    def problem(self, what):
        self.problems.append(what)
        say(f"# {self.name}: PROBLEM: {what}")

    def vol_op(self, op, *argv):
        """Run a changing vol command; return (volume JSON or {} on success,
        None on failure); failures are counted by reason."""
        r = self.vaaictl("vol", op, self.ctx.lun, *argv, host=True)
        if r is None:
            self.failed[(op, "hung")] += 1
            return None, "hung"
        for line in r.stderr.splitlines():
            if "recovered" in line:
                say(f"# {self.name}: {line.strip()}")
        if r.returncode == 0:
            try:
                doc = json.loads(r.stdout)
            except ValueError:
                self.problem(f"vol {op} {' '.join(argv)}: exit 0 but no JSON: {r.stdout!r}")
                return None, "bad output"
            self.done[op] += 1
            return doc.get("volume") or {}, None
        msgs = [l for l in r.stderr.splitlines() if l.startswith(f"vaaictl vol {op}:")
                and "recovered" not in l]
        msg = msgs[-1].split(": ", 1)[1] if msgs else ""
        if r.returncode != 1 or not msg:
            self.problem(f"vol {op} {' '.join(argv)}: exit {r.returncode}, "
                         f"stderr {r.stderr.strip()!r}")
        self.failed[(op, reason_key(msg) or f"exit {r.returncode}")] += 1
        return None, msg

    def vol_info(self, name):
        r = self.vaaictl("vol", "info", self.ctx.lun, name, "--json")
        if r is None:
            return None
        if r.returncode != 0:
            if "no volume" not in r.stderr:
                self.problem(f"vol info {name}: exit {r.returncode}: {r.stderr.strip()}")
            return None
        return json.loads(r.stdout)

    # -- helpers --

    def new_serial(self):
        self.nserial += 1
        return (self.idx + 1) * 100000 + self.nserial

    def new_name(self):
        self.nname += 1
        return f"h{self.idx}-{self.nname}"

    def pick_cap(self):
        cap = self.rng.randrange(2, MAX_CAP // STEP - 3) * STEP
        if self.rng.random() < 0.15:
            cap += self.rng.randrange(1, 4000)      # rounded up to whole blocks
        return cap

    def round_cap(self, cap):
        bs = self.ctx.bs
        return (cap + bs - 1) // bs * bs

    def usable(self):
        return sorted(n for n, v in self.vols.items() if not v.frozen)

    def publish(self):
        self.ctx.registry.publish(self.idx, [n for n, v in self.vols.items() if not v.frozen])

    def is_clean(self, msg):
        return any(re.search(p, msg) for p in CLEAN_REASONS)

    def check_rec(self, op, rec, name, cap):
        if rec.get("name") != name or rec.get("capacity") != cap or rec.get("state") != "ready":
            self.problem(f"vol {op} reported {rec.get('name')} {rec.get('state')} "
                         f"capacity {rec.get('capacity')}, expected {name} ready {cap}")

    def settle(self, name, op, msg):
        """After a failure that may have changed the volume: learn its state."""
        v = self.vols[name]
        info = self.vol_info(name)
        say(f"# {self.name}: vol {op} {name} failed after starting ({msg}); now: "
            f"{info and (info['state'], info['capacity'])}")
        if info is None:
            if op != "delete":
                self.problem(f"{name} vanished after a failed {op}: {msg}")
            del self.vols[name]
            return
        if info["state"] != "ready":
            v.frozen = op       # left to recovery: never touched again by us
        v.cap = info["capacity"]

    # -- operations --

    def op_create(self):
        name = self.new_name()
        cap = self.pick_cap()
        serial = self.new_serial()
        lineage = frozenset([serial])
        self.ctx.registry.add(name, serial, lineage)
        rec, err = self.vol_op("create", name, str(cap))
        if rec is not None:
            cap = self.round_cap(cap)
            self.check_rec("create", rec, name, cap)
            self.vols[name] = Vol(serial, cap, lineage)
            self.vols[name].lba = rec.get("lba")
            self.write(name, first=True)

    def op_clone(self):
        own = self.usable()
        others = self.ctx.registry.others(self.idx)
        if own and (not others or self.rng.random() < 0.5):
            src, mine = self.rng.choice(own), True
        elif others:
            src, mine = self.rng.choice(others), False
        else:
            return self.op_create()
        name = self.new_name()
        serial = self.new_serial()
        src_serial, src_lineage = self.ctx.registry.lookup(src)
        lineage = src_lineage | {serial}
        self.ctx.registry.add(name, serial, lineage)
        argv = [src, name]
        want = 0
        if self.rng.random() < 0.3:
            want = self.pick_cap()
            argv += ["--capacity", str(want)]
        rec, err = self.vol_op("clone", *argv)
        if rec is None:
            if mine and not self.is_clean(err):
                self.problem(f"clone of own volume {src} failed: {err}")
            return
        if mine:
            s = self.vols[src]
            cap = max(self.round_cap(want), s.cap)
            self.check_rec("clone", rec, name, cap)
            self.vols[name] = s.copy_for_clone(serial, cap, lineage, self.ctx.bs)
        else:
            cap = rec.get("capacity", 0)
            if cap < self.round_cap(want) or rec.get("name") != name:
                self.problem(f"clone {src} -> {name} --capacity {want}: got {rec}")
            v = Vol(serial, cap, lineage)
            v.unknown_below = cap // self.ctx.bs
            self.vols[name] = v
        self.vols[name].lba = rec.get("lba")
        if self.rng.random() < 0.5:
            self.write(name)

    def op_wipe(self, name):
        rec, err = self.vol_op("wipe", name)
        v = self.vols[name]
        if rec is not None:
            v.blocks = {}
            v.unknown_below = 0
        elif not self.is_clean(err):
            v.blocks = {b: c + (None,) for b, c in v.blocks.items()}    # zeros or not
            self.settle(name, "wipe", err)

    def op_delete(self, name):
        rec, err = self.vol_op("delete", name)
        if rec is not None:
            del self.vols[name]
        elif not self.is_clean(err):
            self.settle(name, "delete", err)

    def op_resize(self, name, grow):
        v = self.vols[name]
        if grow:
            if v.cap + STEP > MAX_CAP + 2 * MIB:
                return self.op_resize(name, False)
            cap = v.cap + self.rng.randrange(1, 9) * STEP
            cap = min(cap, MAX_CAP + 2 * MIB)
            argv = [name, str(cap)]
        else:
            if v.cap <= STEP:
                return self.op_resize(name, True)
            cap = self.rng.randrange(1, (v.cap - 1) // STEP + 1) * STEP
            argv = [name, str(cap), "--shrink"]
        rec, err = self.vol_op("resize", *argv)
        if rec is not None:
            self.check_rec("resize", rec, name, cap)
            kind = "grow" if cap > v.cap else "shrink" if cap < v.cap else "same size"
            if v.lba is not None and rec.get("lba") != v.lba:
                kind += " (moved)"
            self.resizes[kind] += 1
            v.lba = rec.get("lba")
            v.resize(cap, self.ctx.bs)
        elif not self.is_clean(err):
            old = v.cap
            self.settle(name, "resize", err)
            if name in self.vols and v.cap != old:
                new, v.cap = v.cap, old
                v.resize(new, self.ctx.bs)

    def op_rename(self, name):
        new = self.new_name()
        v = self.vols[name]
        self.ctx.registry.add(new, v.serial, v.lineage)
        if self.rng.random() < 0.1 and len(self.vols) > 1:
            # a taken name: refused
            taken = self.rng.choice([n for n in self.vols if n != name])
            rec, err = self.vol_op("rename", name, taken)
            if rec is not None or "already exists" not in err:
                self.problem(f"rename {name} over existing {taken}: {rec} {err}")
            return
        rec, err = self.vol_op("rename", name, new)
        if rec is not None:
            self.check_rec("rename", rec, new, v.cap)
            self.vols[new] = self.vols.pop(name)
        elif not self.is_clean(err):
            self.problem(f"rename {name} -> {new} failed: {err}")

    def write(self, name, first=False):
        """Write a pattern at the volume's LBA, as `vol info` gives it."""
        v = self.vols[name]
        bs = self.ctx.bs
        info = self.vol_info(name)
        if info is None:
            self.problem(f"vol info of own volume {name} failed")
            return
        if info["state"] != "ready" or info["capacity"] != v.cap:
            self.problem(f"vol info {name}: {info['state']} {info['capacity']}, model "
                         f"says ready {v.cap}")
            return
        v.lba = info["lba"]
        nblocks = v.cap // bs
        if first or not v.written:
            start, count = 0, min(128, nblocks)
        elif self.rng.random() < 0.25:
            count = min(self.rng.choice([8, 32, 128]), nblocks)
            start = nblocks - count                         # the tail
        else:
            count = min(self.rng.choice([8, 32, 128, 256]), nblocks)
            start = self.rng.randrange(0, nblocks - count + 1)
        v.gen += 1
        data = pattern(bs, self.idx, v.serial, v.gen, start, count)
        path = os.path.join(self.tmp, "w.bin")
        with open(path, "wb") as f:
            f.write(b"".join(data))
        r = self.vaaictl("write", self.ctx.lun, str(info["lba"] + start), "-i", path, "-q")
        if r is None or r.returncode != 0:
            self.problem(f"write to {name} at LBA {info['lba'] + start}: "
                         f"{r and r.stderr.strip()}")
            return
        self.done["write"] += 1
        v.written = True
        for i, blk in enumerate(data):
            v.blocks[start + i] = (blk,)

    def step(self):
        own = self.usable()
        if not own:
            return self.op_create()
        ops = ["create"] * 14 + ["clone"] * 14 + ["write"] * 24 + ["wipe"] * 8 + \
              ["delete"] * 8 + ["grow"] * 10 + ["shrink"] * 6 + ["rename"] * 8
        op = self.rng.choice(ops)
        if op in ("create", "clone") and len(self.vols) >= MAX_VOLS:
            op = self.rng.choice(["delete", "write", "grow", "shrink", "wipe"])
        if op == "delete" and len(own) <= 1 and len(self.vols) < MAX_VOLS:
            op = "write"
        name = self.rng.choice(own)
        if op == "create":
            self.op_create()
        elif op == "clone":
            self.op_clone()
        elif op == "write":
            self.write(name)
        elif op == "wipe":
            self.op_wipe(name)
        elif op == "delete":
            self.op_delete(name)
        elif op == "grow":
            self.op_resize(name, True)
        elif op == "shrink":
            self.op_resize(name, False)
        elif op == "rename":
            self.op_rename(name)

    def run(self):
        try:
            for i in range(self.ctx.ops):
                self.step()
                self.publish()
                if (i + 1) % 20 == 0:
                    say(f"# {self.name}: {i + 1}/{self.ctx.ops} operations, "
                        f"{len(self.vols)} volumes")
        except Exception as e:      # a bug in this test: report, do not hang
            import traceback
            self.problem("worker crashed: " + "".join(traceback.format_exception(e)))
        finally:
            self.ctx.registry.publish(self.idx, [])


class Observer(threading.Thread):
    """Lists the pool now and then while the workers run: the extents that
    records hold (their own, and the intent of an operation in progress, as
    the allocator counts them) never overlap, and names are unique.  A
    table is read in several commands, not atomically, so a conflict counts
    only when the next listing shows the very same records (same UUIDs and
    sequence numbers, hence the same bytes) in it again: both were then on
    the LUN together."""

    def __init__(self, ctx):
        super().__init__(name="observer")
        self.ctx = ctx
        self.stop = threading.Event()
        self.listings = 0
        self.max_busy = 0
        self.busy_seen = collections.Counter()
        self.transient = 0
        self.confirmed = []
        self.errors = []

    @staticmethod
    def held(rec):
        """The extents a listed record holds, as the allocator sees them."""
        out = []
        if rec["blocks"]:
            out.append((rec["lba"], rec["lba"] + rec["blocks"]))
        op = rec.get("operation")
        if op and op["intent_blocks"]:
            start, length = op["intent_lba"], op["intent_blocks"]
            if start == rec["lba"] and rec["blocks"]:
                if length > rec["blocks"]:
                    out.append((start + rec["blocks"], start + length))
            else:
                out.append((start, start + length))
        return out

    def conflicts(self, recs):
        found = set()
        spans = sorted((a, b, rec["uuid"], rec["sequence"], rec["name"], rec["state"])
                       for rec in recs for a, b in self.held(rec))
        for i, x in enumerate(spans):
            for y in spans[i + 1:]:
                if y[0] >= x[1]:
                    break
                if x[2] != y[2]:
                    found.add(("overlap",) + tuple(sorted([x, y])))
        names = collections.defaultdict(list)
        for rec in recs:
            names[rec["name"]].append((rec["uuid"], rec["sequence"], rec["state"]))
        for name, who in names.items():
            if len(who) > 1:
                found.add(("name", name) + tuple(sorted(who)))
        return found

    def run(self):
        prev = set()
        while not self.stop.is_set():
            r = subprocess.run([self.ctx.vaaictl, "--initiator",
                                "iqn.2024-01.org.libvirt-vaai:conc-observer",
                                "pool", "list", self.ctx.lun, "--json"],
                               text=True, capture_output=True, timeout=CMD_TIMEOUT)
            if r.returncode != 0:
                self.errors.append(r.stderr.strip())
                self.stop.wait(1)
                continue
            recs = json.loads(r.stdout)
            self.listings += 1
            busy = [rec["state"] for rec in recs if rec["state"] != "ready"]
            self.max_busy = max(self.max_busy, len(busy))
            self.busy_seen.update(busy)
            now = self.conflicts(recs)
            self.transient += len(now - prev)
            for c in now & prev:
                if c not in self.confirmed:
                    self.confirmed.append(c)
                    say(f"# observer: CONFLICT seen twice: {c}")
            prev = now
            self.stop.wait(1)


class Ctx:
    pass


def verify_volume(ctx, name, v, lba, data):
    """Compare a volume read back with its model: a list of complaints."""
    bs = ctx.bs
    bad = []
    for b in range(v.cap // bs):
        blk = data[b * bs:(b + 1) * bs]
        allowed = v.blocks.get(b)
        if allowed is not None:
            if any(blk == a if a is not None else blk.count(0) == bs for a in allowed):
                continue
        elif blk.count(0) == bs:
            continue
        elif b < v.unknown_below:
            d = describe(blk)
            if isinstance(d, tuple) and d[3] == b and d[1] in v.lineage:
                continue
        want = ("one of " + ", ".join("zero" if a is None else str(describe(a))
                                     for a in allowed)) if allowed else \
            ("zero or lineage " + str(sorted(v.lineage)) if b < v.unknown_below else "zero")
        bad.append(f"{name} block {b} (LBA {lba + b}): found {describe(blk)}, expected {want}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13470)
    ap.add_argument("--ops", type=int, default=80, help="operations per worker")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=WORKERS, help="hosts (at least 4)")
    args = ap.parse_args()
    t_start = time.monotonic()
    v = os.path.abspath(args.vaaictl)

    def run(*argv, timeout=CMD_TIMEOUT):
        return subprocess.run([v, *argv], text=True, capture_output=True, timeout=timeout)

    urls = subprocess.run([args.lio_array, "start", "--profile", "default", "--port",
                           str(args.port), "--timeout", "1800"], check=True, text=True,
                          capture_output=True).stdout.split()
    say(f"# array up after {time.monotonic() - t_start:.0f} s")
    try:
        lun = urls[0]
        r = run("pool", "format", lun, "--name", "concurrency", "--force",
                "--lease-timeout", str(T_MS), "--heartbeat", str(P_MS))
        if not check(r.returncode == 0, f"format with T={T_MS} ms, P={P_MS} ms",
                     r.stderr.strip()):
            return 1
        info = json.loads(run("pool", "info", lun, "--json").stdout)

        ctx = Ctx()
        ctx.vaaictl = v
        ctx.lun = lun
        ctx.bs = info["block_size"]
        ctx.ops = args.ops
        ctx.seed = args.seed
        ctx.registry = Registry()

        # ---- the workers ----
        t0 = time.monotonic()
        workers = [Worker(i, ctx) for i in range(args.workers)]
        observer = Observer(ctx)
        observer.start()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        t_work = time.monotonic() - t0
        observer.stop.set()
        observer.join()
        commands = sum(w.commands for w in workers)
        done = collections.Counter()
        failed = collections.Counter()
        resizes = collections.Counter()
        for w in workers:
            done.update(w.done)
            resizes.update(w.resizes)
            failed.update(w.failed)
        nops = sum(done.values()) + sum(failed.values())
        say(f"# {len(workers)} workers: {nops} operations ({commands} vaaictl processes) "
            f"in {t_work:.0f} s")
        say("# succeeded: " + ", ".join(f"{op} {n}" for op, n in sorted(done.items())))
        say("# resizes: " + ", ".join(f"{k} {n}" for k, n in sorted(resizes.items())))
        say(f"# failed: {sum(failed.values())}")
        for (op, why), n in sorted(failed.items()):
            say(f"#   {n:3d} x vol {op}: {why}")
        check(nops >= 300, f"at least 300 operations ran ({nops})")
        say(f"# observer: {observer.listings} listings during the run, up to "
            f"{observer.max_busy} operations in progress at once; records seen busy: "
            + ", ".join(f"{s} {n}" for s, n in sorted(observer.busy_seen.items()))
            + f"; {observer.transient} conflicts seen once only (non-atomic table reads)")
        check(observer.listings > 0 and not observer.errors,
              f"the pool could be listed during the run ({observer.listings} times)",
              observer.errors[:3])
        check(not observer.confirmed, "while the workers ran, no two records held "
              "overlapping space or the same name", observer.confirmed[:3])
        for w in workers:
            check(not w.problems, f"{w.name}: every operation succeeded or failed cleanly, "
                  f"and as the model expects", "; ".join(w.problems[:5]))
        check(all(op in done for op in ("create", "clone", "wipe", "delete", "resize",
                                         "rename", "write")),
              "every kind of operation succeeded at least once", dict(done))

        # ---- the pool afterwards ----
        r = run("pool", "check", lun, "--json")
        chk = json.loads(r.stdout) if r.stdout.strip() else {}
        check(r.returncode == 0 and chk.get("ok") is True and not chk.get("errors"),
              "pool check: ok", r.stdout.strip() + r.stderr.strip())
        check(chk.get("busy") == 0 and chk.get("orphans") == 0,
              f"pool check: no busy or orphaned records (busy {chk.get('busy')}, "
              f"orphans {chk.get('orphans')})")
        check(chk.get("leaked_bytes") == 0, f"pool check: 0 bytes leaked "
              f"({chk.get('leaked_bytes')})")
        check(chk.get("broken") == 0 and chk.get("unreadable_records") == 0,
              "pool check: nothing broken or unreadable", chk)

        r = run("pool", "list", lun, "--json")
        listed = json.loads(r.stdout) if r.returncode == 0 else []
        check(r.returncode == 0, "pool list", r.stderr.strip())
        model = {}
        for w in workers:
            for name, vol in w.vols.items():
                model[name] = vol
        by_name = {rec["name"]: rec for rec in listed}
        missing = sorted(set(model) - set(by_name))
        extra = sorted(set(by_name) - set(model))
        check(not missing, f"every volume reported made and not deleted is listed "
              f"({len(model)})", f"missing {missing}")
        check(not extra, "no volume is listed that no host made (or that was deleted)",
              f"extra {[(n, by_name[n]['state'], by_name[n]['capacity']) for n in extra]}")
        wrong = [(n, by_name[n]["capacity"], model[n].cap) for n in model
                 if n in by_name and by_name[n]["capacity"] != model[n].cap]
        check(not wrong, "every listed volume has the capacity its owner made it",
              f"(name, listed, model): {wrong}")
        notready = [(r["name"], r["state"]) for r in listed if r["state"] != "ready"]
        check(not notready, "every listed volume is ready", notready)
        check(sum(r["blocks"] for r in listed) * ctx.bs == chk.get("used_bytes"),
              f"the listed extents add up to the used space ({chk.get('used_bytes')} bytes)",
              sum(r["blocks"] for r in listed) * ctx.bs)

        # Disjoint extents inside the data area, each holding its capacity.
        spans = sorted((r["lba"], r["lba"] + r["blocks"], r["name"]) for r in listed)
        overlaps = [(a, b) for a, b in zip(spans, spans[1:]) if a[1] > b[0]]
        check(not overlaps, f"the {len(spans)} extents are pairwise disjoint", overlaps)
        outside = [s for s in spans if s[0] < info["data_lba"] or s[1] > info["data_end_lba"]]
        check(not outside, "every extent lies in the data area", outside)
        short = [(r["name"], r["blocks"], r["capacity"]) for r in listed
                 if r["blocks"] * ctx.bs < r["capacity"]]
        check(not short, "every extent holds its volume's capacity", short)

        # ---- the data ----
        t1 = time.monotonic()
        bad = []
        nbytes = 0
        frozen = []
        with tempfile.TemporaryDirectory(prefix="pool-conc-read-") as tmp:
            for name in sorted(model):
                vol = model[name]
                if name not in by_name:
                    continue
                if vol.frozen:
                    frozen.append(name)
                rec = by_name[name]
                n = min(vol.cap, rec["capacity"]) // ctx.bs
                path = os.path.join(tmp, "r.bin")
                r = run("read", "-q", lun, str(rec["lba"]), str(n), "-o", path)
                if r.returncode != 0:
                    bad.append(f"reading {name}: {r.stderr.strip()}")
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                nbytes += len(data)
                bad += verify_volume(ctx, name, vol, rec["lba"], data)
        exact = sum(1 for n in model if not model[n].unknown_below)
        check(not bad, f"every live volume reads back as its model says ({len(model)} "
              f"volumes, {exact} known exactly, {nbytes // MIB} MiB compared in "
              f"{time.monotonic() - t1:.0f} s)", "; ".join(bad[:8]) +
              (f"; ... {len(bad)} blocks in all" if len(bad) > 8 else ""))
        if frozen:
            say(f"# volumes left uncertain by failed operations: {frozen}")
        for w in workers:
            for f in os.listdir(w.tmp):
                os.unlink(os.path.join(w.tmp, f))
            os.rmdir(w.tmp)
    finally:
        subprocess.run([args.lio_array, "stop", "--port", str(args.port)])

    print(f"# runtime {time.monotonic() - t_start:.0f} s")
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
