#!/usr/bin/env python3
"""Volumes of a shared pool on a real array (LIO), every operation with its
data read back:

- create: the new volume reads as zeros, even on space that held a deleted
  volume's data (no data leak);
- clone within the pool, into a larger volume, and from another pool on
  another LUN of the same array: the copy equals the source, the rest is
  zeros, the parent is recorded;
- resize: grow in place, grow by moving (data copied, old space freed),
  shrink refused unless asked, then done;
- rename, wipe (zeros), wipe --trim and delete (space reclaimed in the
  array's backing file), wipe --algorithm dod and bsi (the volume's whole
  extent reads back as the last pass, 0xff and 0x7f, every pass counted as
  host bytes, the neighbouring volumes and blocks untouched) and random
  (neither the old data nor zeros), invalid names and duplicate names refused, a pool
  too full refused with nothing changed;
- a corrupted volume record and a corrupted header are detected by checksum,
  reported, never followed (no allocation while a record cannot be read),
  and repaired;
- after every step `pool check` finds the pool consistent, and the volumes'
  extents never overlap.

Transports: iscsi (vaaictl on the host over libiscsi) or sg (vaaictl inside
the array's guest, on the LUNs' sg nodes).

Usage: pool-volumes.py --transport iscsi|sg --vaaictl PATH --lio-array PATH
                       [--port N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]     # tests/vaaitest, here or in the guest
from vaaitest.luns import (dispatch, finish_in_guest, guest_luns, iscsi_luns,  # noqa: E402
                           run_in_guest)
from vaaitest.results import Results  # noqa: E402

MIB = 1024 * 1024
HOST = "6c0e5ab4-93e5-4b7e-9a43-7d8a1f2e0c11"


class Pool:
    def __init__(self, r, vaaictl, luns, work, measure):
        self.r = r
        self.v = vaaictl
        self.luns = luns
        self.work = work
        self.measure = measure

    def run(self, *argv, timeout=300):
        return subprocess.run([self.v, *argv], text=True, capture_output=True,
                              timeout=timeout, env=dict(os.environ, VAAI_HOST_UUID=HOST))

    def ok(self, *argv):
        p = self.run(*argv)
        if p.returncode != 0:
            raise RuntimeError(f"vaaictl {' '.join(argv)}: exit {p.returncode}: "
                               f"{p.stderr.strip()}")
        return p.stdout

    def info(self, lun, name):
        return json.loads(self.ok("vol", "info", lun, name, "--json"))

    def listing(self, lun):
        return {v["name"]: v for v in json.loads(self.ok("pool", "list", lun, "--json"))}

    def read(self, lun, lba, nbytes, bs=512):
        out = os.path.join(self.work, "read.bin")
        self.ok("read", lun, str(lba), str(nbytes // bs), "-o", out, "-q")
        with open(out, "rb") as f:
            return f.read()

    def write(self, lun, lba, data):
        path = os.path.join(self.work, "write.bin")
        with open(path, "wb") as f:
            f.write(data)
        self.ok("write", lun, str(lba), "-i", path, "-q")

    def vol_read(self, lun, name, offset, nbytes):
        v = self.info(lun, name)
        return self.read(lun, v["lba"] + offset // v["block_size"], nbytes)

    def vol_write(self, lun, name, offset, data):
        v = self.info(lun, name)
        self.write(lun, v["lba"] + offset // v["block_size"], data)

    def consistent(self, lun, what):
        p = self.run("pool", "check", lun, "--json")
        try:
            c = json.loads(p.stdout)
        except ValueError:
            c = {}
        vols = sorted(self.listing(lun).values(), key=lambda v: v["lba"])
        overlap = [(a["name"], b["name"]) for a, b in zip(vols, vols[1:])
                   if a["lba"] + a["blocks"] > b["lba"]]
        self.r.check(p.returncode == 0 and c.get("ok") and c.get("leaked_bytes") == 0
                     and not overlap, f"pool consistent after {what}",
                     f"{p.stdout}{p.stderr}overlaps: {overlap}")
        return c


def pattern(seed, nbytes):
    out = bytearray()
    x = seed
    while len(out) < nbytes:
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out += x.to_bytes(8, "little")
    return bytes(out[:nbytes])


def zeros(data):
    return data == bytes(len(data))


def wipe_algorithms(p, r, a):
    """vol wipe --algorithm: the passes written by the host, only inside
    the volume's extent."""
    names = ("wl", "wm", "wr")
    for i, n in enumerate(names):
        p.ok("vol", "create", a, n, "2M")
        p.vol_write(a, n, 0, pattern(20 + i, 2 * MIB))
    vols = {n: p.info(a, n) for n in names}
    wm = vols["wm"]
    bs = wm["block_size"]
    ext = wm["blocks"] * bs
    # 64 KiB on either side of the extent, whatever lies there.
    before_lba = wm["lba"] - 128
    after_lba = wm["lba"] + wm["blocks"]
    around = (p.read(a, before_lba, 128 * bs, bs), p.read(a, after_lba, 128 * bs, bs))

    def untouched(what):
        r.check(all(p.vol_read(a, n, 0, 2 * MIB) == pattern(20 + i, 2 * MIB)
                    for i, n in enumerate(names) if n != "wm") and
                (p.read(a, before_lba, 128 * bs, bs), p.read(a, after_lba, 128 * bs, bs))
                == around, f"vol wipe --algorithm {what}: neighbours untouched")

    for alg, last, npasses in (("dod", 0xff, 3), ("bsi", 0x7f, 9)):
        out = p.run("vol", "wipe", a, "wm", "--algorithm", alg, "--json")
        try:
            rep = json.loads(out.stdout)
        except ValueError:
            rep = {}
        host = rep.get("methods", {}).get("host", {})
        data = p.read(a, wm["lba"], ext, bs)
        r.check(out.returncode == 0 and data == bytes([last]) * ext,
                f"vol wipe --algorithm {alg}: the whole extent reads back as the last "
                f"pass (0x{last:02x})", f"{out.stdout}{out.stderr}")
        r.check(host.get("host_bytes", 0) >= npasses * ext and
                host.get("blocks", 0) >= npasses * wm["blocks"] and
                rep.get("offloaded_blocks") == 0,
                f"vol wipe --algorithm {alg}: {npasses} passes written by the host, "
                "counted as host bytes", json.dumps(rep.get("methods")))
        r.check(p.info(a, "wm")["state"] == "ready", f"vol wipe --algorithm {alg}: ready after")
        untouched(alg)

    p.vol_write(a, "wm", 0, pattern(30, 2 * MIB))
    out = p.run("vol", "wipe", a, "wm", "--algorithm", "random")
    data = p.read(a, wm["lba"], ext, bs)
    r.check(out.returncode == 0 and data[:2 * MIB] != pattern(30, 2 * MIB) and
            not zeros(data[:4096]) and not zeros(data[-4096:]) and
            len(set(data[:4096])) > 200,
            "vol wipe --algorithm random: neither the old data nor zeros", out.stderr)
    untouched("random")

    out = p.run("vol", "wipe", a, "wm", "--algorithm", "shred")
    r.check(out.returncode == 2 and "unknown wipe algorithm" in out.stderr,
            "vol wipe --algorithm with an unknown name is refused", out.stderr)
    out = p.run("vol", "wipe", a, "wm", "--algorithm", "dod", "--no-host")
    r.check(out.returncode == 1 and "written by the host" in out.stderr and
            p.info(a, "wm")["state"] == "ready",
            "vol wipe --algorithm dod --no-host is refused, nothing changed", out.stderr)
    out = p.run("vol", "wipe", a, "wm", "--algorithm", "zero")
    r.check(out.returncode == 0 and zeros(p.read(a, wm["lba"], ext, bs)),
            "vol wipe --algorithm zero: zeros", out.stderr)
    for n in names:
        p.ok("vol", "delete", a, n)
    p.consistent(a, "wipe algorithms")


def run_cases(p, r):
    a, b = p.luns[0], p.luns[1]
    p.ok("pool", "format", a, "--name", "poolA", "--force")
    p.ok("pool", "format", b, "--name", "poolB", "--force")

    # Create reads as zeros, and the space it gets held data before.
    p.write(a, 8192, pattern(1, MIB))
    out = p.run("vol", "create", a, "v1", "16M", "--json")
    rep = json.loads(out.stdout) if out.returncode == 0 else {}
    r.check(out.returncode == 0 and rep.get("volume", {}).get("capacity") == 16 * MIB,
            "vol create 16M", out.stderr)
    v1 = p.info(a, "v1")
    r.check(v1["lba"] % 2048 == 0 and v1["blocks"] % 2048 == 0,
            "the extent is aligned to the pool's 1 MiB alignment", v1)
    r.check(zeros(p.vol_read(a, "v1", 0, 16 * MIB)), "a new volume reads as zeros")
    r.check(rep.get("offloaded_blocks", 0) >= v1["blocks"],
            "create zeroed the extent by offload, not through the host", rep)
    p1 = pattern(11, 2 * MIB)
    p.vol_write(a, "v1", 0, p1[:MIB])
    p.vol_write(a, "v1", 15 * MIB, p1[MIB:])

    # Clone within the pool.
    out = p.run("vol", "clone", a, "v1", "v2", "--json")
    rep = json.loads(out.stdout) if out.returncode == 0 else {}
    r.check(out.returncode == 0 and "xcopy-lid1" in rep.get("methods", {}),
            "vol clone within the pool by EXTENDED COPY", out.stdout + out.stderr)
    v2 = p.info(a, "v2")
    r.check(v2.get("parent") == v1["uuid"], "the clone records its parent", v2)
    r.check(p.vol_read(a, "v2", 0, 16 * MIB) == p.vol_read(a, "v1", 0, 16 * MIB),
            "the clone's 16 MiB equal the source's")

    # Clone into a larger volume: the rest reads as zeros.
    out = p.run("vol", "clone", a, "v1", "v1big", "--capacity", "20M")
    r.check(out.returncode == 0, "vol clone --capacity 20M", out.stderr)
    data = p.vol_read(a, "v1big", 0, 20 * MIB)
    r.check(data[:16 * MIB] == p.vol_read(a, "v1", 0, 16 * MIB) and zeros(data[16 * MIB:]),
            "a larger clone: the source's data, then zeros")

    # Clone from another pool on another LUN of the same array.
    out = p.run("vol", "clone", b, "v1", "x1", "--from", a, "--json")
    rep = json.loads(out.stdout) if out.returncode == 0 else {}
    r.check(out.returncode == 0, "vol clone from another pool (--from)", out.stderr)
    x1 = p.info(b, "x1")
    poolA = json.loads(p.ok("pool", "info", a, "--json"))
    r.check(x1.get("parent_pool") == poolA["uuid"] and x1.get("parent") == v1["uuid"],
            "the cross-pool clone records the parent pool and volume", x1)
    r.check(p.vol_read(b, "x1", 0, 16 * MIB) == p.vol_read(a, "v1", 0, 16 * MIB),
            "the cross-pool clone equals the source")
    p.consistent(a, "clones")
    p.consistent(b, "a cross-pool clone")

    # Resize: grow in place (the last volume has free space after it).
    last = max(p.listing(a).values(), key=lambda v: v["lba"])["name"]
    before = p.vol_read(a, last, 0, 2 * MIB)
    lba = p.info(a, last)["lba"]
    out = p.run("vol", "resize", a, last, "40M")
    info = p.info(a, last)
    r.check(out.returncode == 0 and info["lba"] == lba and info["capacity"] == 40 * MIB,
            f"grow '{last}' in place to 40M", out.stderr + json.dumps(info))
    data = p.vol_read(a, last, 0, 40 * MIB)
    r.check(data[:2 * MIB] == before and zeros(data[24 * MIB:]),
            "grown in place: data kept, the new space reads as zeros")

    # Grow v1 where its neighbour sits: it moves.
    free_before = p.consistent(a, "grow in place").get("free_bytes", 0)
    old = p.info(a, "v1")
    src = p.vol_read(a, "v1", 0, 16 * MIB)
    out = p.run("vol", "resize", a, "v1", "24M", "--json")
    rep = json.loads(out.stdout) if out.returncode == 0 else {}
    new = p.info(a, "v1")
    r.check(out.returncode == 0 and new["lba"] != old["lba"] and new["capacity"] == 24 * MIB,
            "grow v1 past its neighbour: moved to a new extent", out.stderr + json.dumps(new))
    r.check("xcopy-lid1" in rep.get("methods", {}), "the move copied by EXTENDED COPY", rep)
    data = p.vol_read(a, "v1", 0, 24 * MIB)
    r.check(data[:16 * MIB] == src and zeros(data[16 * MIB:]),
            "moved: data kept, the new space reads as zeros")
    free_after = p.consistent(a, "grow by move").get("free_bytes", 0)
    r.check(free_before - free_after == new["blocks"] * 512 - old["blocks"] * 512,
            "the old extent was freed", f"{free_before} -> {free_after}")

    # Shrink only when asked.
    out = p.run("vol", "resize", a, "v1", "8M")
    r.check(out.returncode == 1 and "shrink" in out.stderr and
            p.info(a, "v1")["capacity"] == 24 * MIB,
            "a shrink without --shrink is refused, nothing changed", out.stderr)
    out = p.run("vol", "resize", a, "v1", "8M", "--shrink")
    info = p.info(a, "v1")
    r.check(out.returncode == 0 and info["capacity"] == 8 * MIB and info["blocks"] == 16384,
            "shrink with --shrink: capacity and extent smaller", out.stderr + json.dumps(info))
    r.check(p.vol_read(a, "v1", 0, MIB) == p1[:MIB], "shrunk: the prefix is kept")
    p.consistent(a, "shrink")

    # Names.
    out = p.run("vol", "rename", a, "v2", "v2-renamed")
    names = p.listing(a)
    r.check(out.returncode == 0 and "v2-renamed" in names and "v2" not in names,
            "vol rename", out.stderr)
    out = p.run("vol", "rename", a, "v2-renamed", "v1")
    r.check(out.returncode == 1 and "already exists" in out.stderr,
            "rename onto an existing name is refused", out.stderr)
    out = p.run("vol", "create", a, "v1", "1M")
    r.check(out.returncode == 1 and "already exists" in out.stderr,
            "create with an existing name is refused", out.stderr)
    for bad in ("a/b", "..", "x" * 128, ""):
        out = p.run("vol", "create", a, bad, "1M")
        r.check(out.returncode == 1 and "invalid volume name" in out.stderr,
                f"invalid name {bad[:10]!r} refused", out.stderr)
    before = p.listing(a)
    out = p.run("vol", "create", a, "huge", "10G")
    r.check(out.returncode == 1 and "no free extent" in out.stderr and p.listing(a) == before,
            "a volume larger than the free space is refused, nothing changed", out.stderr)

    # Wipe: zeros; wipe --trim and delete give space back to the array.
    out = p.run("vol", "wipe", a, "v2-renamed")
    r.check(out.returncode == 0 and zeros(p.vol_read(a, "v2-renamed", 0, 16 * MIB)),
            "vol wipe: the volume reads as zeros", out.stderr)
    p.vol_write(a, "v1big", 0, pattern(5, 20 * MIB))
    used = p.measure()[0]
    out = p.run("vol", "wipe", a, "v1big", "--trim")
    after = p.measure()[0]
    r.check(out.returncode == 0 and used - after >= 18 * MIB,
            "vol wipe --trim gives the space back to the array",
            f"backing file {used} -> {after} bytes; {out.stderr}")
    p.vol_write(a, "v1big", 0, pattern(6, 20 * MIB))
    used = p.measure()[0]
    old = p.info(a, "v1big")
    out = p.run("vol", "delete", a, "v1big")
    after = p.measure()[0]
    r.check(out.returncode == 0 and "v1big" not in p.listing(a),
            "vol delete", out.stderr)
    r.check(used - after >= 18 * MIB, "the deleted volume's space is reclaimed on the array",
            f"backing file {used} -> {after} bytes")
    p.consistent(a, "wipe and delete")
    wipe_algorithms(p, r, a)

    # No data leak through reused space: the deleted volume's data, and
    # stale data planted at the start of every free gap, must not show in
    # a new volume, wherever first fit puts it.
    p.vol_write(a, "v2-renamed", 0, pattern(7, 16 * MIB))
    gone = p.info(a, "v2-renamed")
    p.ok("vol", "delete", a, "v2-renamed")
    hdr = json.loads(p.ok("pool", "info", a, "--json"))
    cursor, gaps = hdr["data_lba"], []
    for v in sorted(p.listing(a).values(), key=lambda v: v["lba"]):
        if v["lba"] > cursor:
            gaps.append(cursor)
        cursor = max(cursor, v["lba"] + v["blocks"])
    gaps.append(cursor)
    for g in gaps:
        if g != gone["lba"]:
            p.write(a, g, pattern(8, MIB))
    p.ok("vol", "create", a, "reuse", "16M")
    reuse = p.info(a, "reuse")
    r.check(reuse["lba"] in gaps, "a new volume lands where stale data lay",
            f"{reuse['lba']} not in {gaps}")
    r.check(zeros(p.vol_read(a, "reuse", 0, 16 * MIB)),
            "...and reads as zeros, not the old data")
    p.consistent(a, "reuse")

    # A clone in progress shows its progress to every host (another
    # process polls the record while the clone runs).
    p.ok("vol", "create", b, "big", "100M")
    p.vol_write(b, "big", 99 * MIB, pattern(9, MIB))
    proc = subprocess.Popen([p.v, "vol", "clone", b, "big", "big2", "--inflight", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, VAAI_HOST_UUID=HOST))
    seen = []
    while proc.poll() is None:
        q = p.run("vol", "info", b, "big2", "--json")
        if q.returncode == 0:
            v = json.loads(q.stdout)
            seen.append((v["state"], v.get("operation", {}).get("progress_blocks", 0)))
        time.sleep(0.1)
    progress = [n for state, n in seen if state == "cloning"]
    r.check(proc.returncode == 0 and any(0 < n < 204800 for n in progress),
            "a clone in progress shows its state and progress to other processes",
            f"exit {proc.returncode}, seen {seen[:12]}")
    r.check(progress == sorted(progress), "the progress only grows", progress)
    r.check(p.vol_read(b, "big2", 99 * MIB, MIB) == pattern(9, MIB),
            "the finished clone has the source's data")

    # A corrupted record: detected by checksum, reported, never followed.
    poolinfo = json.loads(p.ok("pool", "info", a, "--json"))
    rec = p.info(a, "reuse")["record"]
    lba = poolinfo["volume_table_lba"] + rec
    block = bytearray(p.read(a, lba, 512))
    block[40] ^= 0x01                                   # the extent length
    p.write(a, lba, bytes(block))
    out = p.run("pool", "check", a)
    r.check(out.returncode == 1 and f"record {rec} is corrupt" in out.stdout,
            "pool check reports the corrupted record", out.stdout + out.stderr)
    out = p.run("vol", "create", a, "blocked", "1M")
    r.check(out.returncode == 1 and "nothing is allocated" in out.stderr,
            "no allocation while a record cannot be read", out.stderr)
    r.check("reuse" not in p.listing(a) and "v1" in p.listing(a),
            "the corrupted record is not listed, the others are")
    out = p.run("pool", "repair", a, "--discard-unreadable", "--wait", "0")
    r.check(out.returncode == 0 and "discarded unreadable record" in out.stdout,
            "pool repair --discard-unreadable frees it", out.stdout + out.stderr)
    out = p.run("vol", "create", a, "after-repair", "1M")
    r.check(out.returncode == 0, "allocation works again after the repair", out.stderr)
    p.consistent(a, "repair of a record")

    # A corrupted primary header: the backup is used, repair rewrites it.
    hdr = bytearray(p.read(a, 0, 512))
    hdr[100] ^= 0xFF
    p.write(a, 0, bytes(hdr))
    out = p.run("pool", "info", a)
    r.check(out.returncode == 0 and "primary pool header is corrupt" in out.stdout,
            "a corrupted primary header: the backup is used and the damage reported",
            out.stdout + out.stderr)
    out = p.run("pool", "repair", a, "--wait", "0")
    r.check(out.returncode == 0 and "rewrote the primary pool header" in out.stdout,
            "pool repair rewrites the primary header", out.stdout + out.stderr)
    out = p.run("pool", "info", a)
    r.check(out.returncode == 0 and "warning" not in out.stdout, "the header is whole again",
            out.stdout)
    both = bytearray(p.read(a, 0, 1024))
    good = bytes(both)
    both[100] ^= 0xFF
    both[612] ^= 0xFF
    p.write(a, 0, bytes(both))
    out = p.run("vol", "create", a, "nope", "1M")
    r.check(out.returncode == 1 and "both pool header copies are unusable" in out.stderr,
            "both headers corrupted: refused with a clear error", out.stderr)
    p.write(a, 0, good)
    p.consistent(a, "header repair")


def run_single_host(p, r):
    """A LUN without COMPARE AND WRITE: usable only in explicit single-host
    mode, where everything else works the same."""
    a = p.luns[0]
    out = p.run("pool", "format", a, "--name", "solo", "--force")
    r.check(out.returncode == 1 and "single-host" in out.stderr,
            "format of a LUN without COMPARE AND WRITE needs --single-host", out.stderr)
    out = p.run("pool", "format", a, "--name", "solo", "--force", "--single-host")
    r.check(out.returncode == 0 and "single host" in out.stdout,
            "format --single-host", out.stdout + out.stderr)
    out = p.run("vol", "create", a, "v", "4M")
    r.check(out.returncode == 1 and "--single-host" in out.stderr,
            "volume commands refuse the pool without --single-host", out.stderr)
    p.write(a, json.loads(p.ok("pool", "info", a, "--json"))["data_lba"], pattern(3, MIB))
    out = p.run("vol", "create", a, "v", "4M", "--single-host")
    r.check(out.returncode == 0 and zeros(p.vol_read(a, "v", 0, 4 * MIB)),
            "vol create --single-host: zeroed", out.stderr)
    p.vol_write(a, "v", 0, pattern(4, MIB))
    out = p.run("vol", "clone", a, "v", "w", "--single-host")
    r.check(out.returncode == 0 and p.vol_read(a, "w", 0, MIB) == pattern(4, MIB),
            "vol clone --single-host", out.stderr)
    out = p.run("vol", "delete", a, "v", "--single-host")
    r.check(out.returncode == 0 and "v" not in p.listing(a), "vol delete --single-host",
            out.stderr)
    p.consistent(a, "single-host operations")


def inside(args):
    r = Results(os.path.join(args.out, "results"))
    sgs, backing, measure = guest_luns()
    if not r.check(len(sgs) >= 2 and len(backing) == len(sgs),
                   "the guest has two LUNs with sg nodes", f"{sgs} {backing}"):
        return 1
    with tempfile.TemporaryDirectory(prefix="pool-volumes-") as work:
        try:
            run_cases(Pool(r, args.vaaictl, sgs, work, measure), r)
        except Exception as e:      # a step others depend on failed
            r.check(False, "the cases ran to the end", repr(e))
    return finish_in_guest(args.out, r)


def host_sg(args):
    r = Results()
    run_in_guest(os.path.abspath(__file__), args.vaaictl, args.lio_array, "default", 840,
                 ["--transport", "sg"], r)
    return r


def host_iscsi(args):
    r = Results()
    la = args.lio_array
    port = str(args.port)
    if not args.attach:
        subprocess.run([la, "start", "--profile", args.profile, "--port", port, "--timeout",
                        "840"], check=True, capture_output=True, text=True)
    try:
        urls, backing, measure = iscsi_luns(la, port)
        with tempfile.TemporaryDirectory(prefix="pool-volumes-") as work:
            try:
                pool = Pool(r, args.vaaictl, urls, work, measure)
                if args.profile in ("nocaw", "tgt"):
                    run_single_host(pool, r)
                else:
                    run_cases(pool, r)
            except Exception as e:
                r.check(False, "the cases ran to the end", repr(e))
    finally:
        if not args.attach:
            subprocess.run([la, "stop", "--port", port])
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--transport", choices=("iscsi", "sg"), required=True)
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13440)
    ap.add_argument("--profile", default="default", choices=("default", "nocaw", "tgt"),
                    help="nocaw, tgt (with --lio-array tests/array/tgt-array): the "
                    "single-host cases (iscsi only)")
    ap.add_argument("--attach", action="store_true",
                    help="iscsi: use the array already running on --port (development)")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return dispatch(args, inside, host_sg, host_iscsi, "pool-volumes")


if __name__ == "__main__":
    sys.exit(main())
