#!/usr/bin/env python3
"""The offload engine's outcomes, proved with data read back.

For one LIO array profile and one transport, drive `vaaictl` over raw
block ranges and check what the LUNs hold afterwards, byte for byte, and
what the report says was done:

  io      vaaictl write and read of 4 MiB in one command each (the other
          cases rely on them);
  copy    within LUN 0, LUN 0 -> LUN 1 (70001 blocks: across XCOPY
          segments), LUN 1 -> LUN 0, one block to the last LBA, a few
          blocks with --no-host, --host-only, --resume, and adjacent and
          overlapping ranges of one LUN: the destination reads back as the
          source (and what must be left alone is); the expected method did
          every block; an offloaded copy moves < 1% of the data over the
          link, a host copy about twice the data;
  zero    offloaded, --host-only, one block and the LUN's last blocks: the
          range reads back as zeros and its neighbours are intact;
  unmap   4 MiB written then unmapped (rate-limited): the backing file
          gives the space back (a thick LUN refuses clearly and the data
          stays); --need-zeros reads back zeros on every profile (zeroing
          instead where LBPRZ=0, and the report says so); with an unmap
          granularity, partial granules keep their data without
          --need-zeros and read back as zeros with it;
  caw     COMPARE AND WRITE with the right expected block, then with wrong
          ones (the reported miscompare offset is the first byte planted;
          nothing is written), or a clear refusal where the LUN has none.

Transports:
  iscsi   boot the array (`lio-array start`), run vaaictl on the host with
          the iSCSI URLs, measure backing files with `lio-array exec`;
  sg      run this script inside the array's guest (`lio-array guest`)
          on the tcm_loop /dev/sgN nodes, measure the backing files
          directly, hand the results back through a shared directory.

Prints one `ok - ...` or `not ok - ...` line per check, then
`N passed, N failed`; exits non-zero on any failure.

Usage: engine-data.py --profile P --transport iscsi|sg --vaaictl PATH
                      --lio-array PATH [--port N] [--timeout S] [--attach]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]     # tests/vaaitest, here or in the guest
from vaaitest.luns import (dispatch, finish_in_guest, guest_luns, iscsi_luns,  # noqa: E402
                           run_in_guest)
from vaaitest.results import Results  # noqa: E402

MIB = 1024 * 1024

# What each profile must do, written down independently of what vaaictl's
# plan says (the plan is what is under test).
PROFILES = {
    "default": {},
    "nocopy": {"copy": "host"},
    "thick": {"unmap": None},
    "4k": {"block_size": 4096},
    "lbprz": {"zero": "write-same-unmap", "lbprz": True},
    "nocaw": {"caw": False},
    "tiny": {"granularity": 8},
    # tgt (tests/array/tgt-array), not LIO: thin LUNs that read unmapped
    # blocks as zeros, no copy manager, COMPARE AND WRITE refused.
    "tgt": {"copy": "host", "zero": "write-same-unmap", "lbprz": True, "caw": False,
            "granularity": 8},
}
DEFAULTS = {
    "block_size": 512,
    "copy": "xcopy-lid1",
    "zero": "write-same",
    "unmap": "unmap",
    "lbprz": False,
    "caw": True,
    "granularity": 1,
}

# Blocks per XCOPY segment descriptor at most (its NUMBER OF BLOCKS field
# is 16 bits): the big copy crosses this.
XCOPY_SEGMENT_BLOCKS = 65535

# Byte offset of the difference planted in a wrong COMPARE AND WRITE
# expectation, and a later one that must not be the one reported.
CAW_PLANT = 137
CAW_PLANT_LATER = 300

# Setup I/O falls back on pieces this large when one command cannot move
# a range (case_io reports that as a failure of its own).
PIECE_BYTES = 960 * 1024


class Setup(Exception):
    """A step a check depends on failed: the case cannot go on."""


def log(msg):
    print(f"# {msg}", flush=True)


def first_difference(a, b):
    if len(a) != len(b):
        n = min(len(a), len(b))
    else:
        n = len(a)
    step = 1 << 16
    for off in range(0, n, step):
        if a[off:off + step] != b[off:off + step]:
            for i in range(off, min(off + step, n)):
                if a[i] != b[i]:
                    return i
    return n if len(a) != len(b) else None


class Env:
    """The LUNs and how to reach and measure them."""

    def __init__(self, args, luns, backing, measure, workdir):
        self.args = args
        self.vaaictl = args.vaaictl
        self.profile = args.profile
        self.luns = luns
        self.backing = backing
        self.measure = measure
        self.workdir = workdir
        self.r = None
        self.bs = None
        self.cap = None
        self.nfile = 0

    # ------------------------------------------------------------ vaaictl

    def run(self, *argv, timeout=600):
        cmd = [self.vaaictl] + [str(a) for a in argv]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Setup(f"timed out after {timeout}s: {' '.join(cmd)}")
        log(f"{' '.join(cmd[1:])}: exit {p.returncode} in {time.monotonic() - t0:.1f}s")
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def run_json(self, *argv):
        """Returns (exit status, report or None, stderr)."""
        rc, out, err = self.run(*argv, "--json")
        try:
            rep = json.loads(out)
        except ValueError:
            rep = None
        if rep is None:
            log(f"no JSON report; stdout: {out[:500]!r}")
        if err.strip():
            log(f"stderr: {err.strip()[:1000]}")
        return rc, rep, err

    def tmpfile(self, data=None):
        self.nfile += 1
        path = os.path.join(self.workdir, f"f{self.nfile}.bin")
        if data is not None:
            with open(path, "wb") as f:
                f.write(data)
        return path

    def write(self, lun, lba, data, pieces=True):
        """Setup: write @data at @lba.  When one command cannot (case_io
        says so), pieces of PIECE_BYTES keep the other cases going."""
        assert len(data) % self.bs == 0
        path = self.tmpfile(data)
        rc, out, err = self.run("write", self.luns[lun], lba, "--input", path, "--quiet")
        os.unlink(path)
        if rc != 0 and pieces and len(data) > PIECE_BYTES:
            log(f"write failed; retrying in pieces of {PIECE_BYTES} bytes")
            step = PIECE_BYTES // self.bs
            for i in range(0, len(data) // self.bs, step):
                self.write(lun, lba + i, data[i * self.bs:(i + step) * self.bs], False)
            return
        if rc != 0:
            raise Setup(f"vaaictl write LUN {lun} LBA {lba} failed (exit {rc}): {err.strip()}")

    def read(self, lun, lba, nblocks, pieces=True):
        path = self.tmpfile()
        rc, out, err = self.run("read", self.luns[lun], lba, nblocks, "--output", path, "--quiet")
        if rc != 0 and pieces and nblocks * self.bs > PIECE_BYTES:
            log(f"read failed; retrying in pieces of {PIECE_BYTES} bytes")
            step = PIECE_BYTES // self.bs
            return b"".join(self.read(lun, lba + i, min(step, nblocks - i), False)
                            for i in range(0, nblocks, step))
        if rc != 0:
            raise Setup(f"vaaictl read LUN {lun} LBA {lba}+{nblocks} failed (exit {rc}): "
                        f"{err.strip()}")
        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)
        if len(data) != nblocks * self.bs:
            raise Setup(f"vaaictl read LUN {lun} LBA {lba}+{nblocks} gave {len(data)} bytes, "
                        f"not {nblocks * self.bs}")
        return data

    def random(self, nblocks):
        return os.urandom(nblocks * self.bs)

    # ----------------------------------------------------------- checking

    def same(self, what, got, want):
        off = first_difference(got, want)
        detail = None
        if off is not None:
            if len(got) != len(want):
                detail = f"{len(got)} bytes read, {len(want)} expected"
            else:
                detail = (f"first difference at byte {off} (block {off // self.bs} of the "
                          f"range, byte {off % self.bs}): read {got[off]:#04x}, "
                          f"expected {want[off]:#04x}")
        return self.r.check(off is None, what, detail)

    def report_ok(self, what, rc, rep, err, count):
        """The operation succeeded and did every block."""
        self.r.check(rc == 0 and rep is not None, f"{what}: vaaictl succeeded",
                     f"exit {rc}: {err.strip()}")
        if rep is None:
            return None
        self.r.check(rep.get("done_blocks") == count and rep.get("total_blocks") == count,
                     f"{what}: done_blocks == total_blocks == {count}",
                     f"done {rep.get('done_blocks')}, total {rep.get('total_blocks')}, "
                     f"error {rep.get('error')!r}")
        return rep

    def method_did(self, what, rep, method, count, alone=True):
        """@method completed all @count blocks (and, if @alone, nothing else did)."""
        if rep is None:
            return self.r.check(False, f"{what}: {method} did all {count} blocks", "no report")
        methods = rep.get("methods", {})
        got = methods.get(method, {}).get("blocks")
        others = {m: s.get("blocks") for m, s in methods.items()
                  if m != method and s.get("blocks")}
        ok = got == count and (not alone or not others)
        return self.r.check(ok, f"{what}: {method} did all {count} blocks",
                            f"methods: {json.dumps(methods)}; events: {rep.get('events')}")

    def link_bytes(self, rep):
        link = rep.get("link", {}) if rep else {}
        return link.get("bytes_out", 0) + link.get("bytes_in", 0)

    def allocated(self):
        """Bytes allocated in each LUN's backing file."""
        return self.measure()


# ---------------------------------------------------------------- layout

class Layout:
    """Hands out non-overlapping, deliberately unaligned block ranges."""

    def __init__(self, cap):
        self.cap = cap
        self.cur = [7, 7]

    def take(self, lun, nblocks, margin=0):
        """@nblocks at an LBA with @margin free blocks on both sides."""
        lba = self.cur[lun] + margin
        self.cur[lun] = lba + nblocks + margin + 17
        if self.cur[lun] > self.cap // 2 + self.cap // 4:
            raise Setup(f"the test layout does not fit LUN {lun} ({self.cap} blocks)")
        return lba

    def take_aligned(self, lun, nblocks, align, offset):
        """@nblocks at a multiple of @align plus @offset, margins of 2."""
        lba = -(-(self.cur[lun] + 2) // align) * align + offset
        self.cur[lun] = lba + nblocks + 2 + 17
        if self.cur[lun] > self.cap // 2 + self.cap // 4:
            raise Setup(f"the test layout does not fit LUN {lun} ({self.cap} blocks)")
        return lba


def sizes(bs):
    """Range sizes in blocks for a block size: none a multiple of a limit."""
    if bs == 512:
        # 70001 crosses the 65535-block XCOPY segment.
        return {"big": 70001, "mid": 4001, "small": 3003, "hostcopy": 4099,
                "zero": 5001, "hostzero": 2051, "needzeros": 2049}
    # Larger blocks: about the same bytes (a 256 MiB LUN of 4096-byte blocks
    # has 65536 blocks: no copy can cross a 65535-block segment in it).
    scale = bs // 512
    return {k: (v // scale) | 1 for k, v in
            {"big": 72009, "mid": 4001, "small": 3003, "hostcopy": 4099,
             "zero": 5001, "hostzero": 2051, "needzeros": 2049}.items()}


# ------------------------------------------------------------------ cases

def case_io(env, lay, sz):
    """The tools the other cases rely on: 4 MiB and a block written in one
    command and read back in one command."""
    n = 4 * MIB // env.bs + 1
    lba = lay.take(1, n)
    what = f"vaaictl write and read of LUN 1 LBA {lba}+{n} in one command each"
    data = env.random(n)
    path = env.tmpfile(data)
    rc, rep, err = env.run_json("write", env.luns[1], lba, "--input", path)
    os.unlink(path)
    env.report_ok(f"{what}: write", rc, rep, err, n)
    path = env.tmpfile()
    rc, rep, err = env.run_json("read", env.luns[1], lba, n, "--output", path)
    env.report_ok(f"{what}: read", rc, rep, err, n)
    with open(path, "rb") as f:
        got = f.read()
    os.unlink(path)
    env.same(f"{what}: the data reads back", got, data)


def copy_checks(env, what, src, srclba, dst, dstlba, count, want, extra=(), expect=None):
    """Run one copy, read the destination back, check data and report."""
    exp = expect or env.expect["copy"]
    rc, rep, err = env.run_json("copy", env.luns[src], srclba, env.luns[dst], dstlba, count,
                                *extra)
    rep = env.report_ok(what, rc, rep, err, count)
    got = env.read(dst, dstlba, count)
    env.same(f"{what}: the destination reads back as the source", got, want)
    if rep is None:
        return
    data = count * env.bs
    env.method_did(what, rep, exp, count)
    if exp == "host":
        if "--host-only" not in extra:
            reason = (rep.get("planned") or {}).get("reason") or ""
            events = " ".join(rep.get("events") or [])
            env.r.check((rep.get("planned") or {}).get("method") == "host" and
                        ("copy manager" in reason or "3PC" in reason or
                         "copy manager" in events or "3PC" in events),
                        f"{what}: the report says why the host copied (no copy manager)",
                        f"planned: {rep.get('planned')}; events: {rep.get('events')}")
        if data >= MIB:
            link = env.link_bytes(rep)
            env.r.check(1.9 * data <= link <= 2.2 * data,
                        f"{what}: a host copy moves about twice the data over the link",
                        f"{link} bytes over the link for {data} bytes of data "
                        f"({link / data:.2f}x)")
    else:
        if count > XCOPY_SEGMENT_BLOCKS:
            cmds = rep.get("methods", {}).get(exp, {}).get("commands", 0)
            need = -(-count // XCOPY_SEGMENT_BLOCKS)
            env.r.check(cmds >= need, f"{what}: split into at least {need} {exp} commands",
                        f"{cmds} commands")
        if data >= MIB:
            link = env.link_bytes(rep)
            env.r.check(link < data / 100,
                        f"{what}: an offloaded copy moves < 1% of the data over the link",
                        f"{link} bytes over the link for {data} bytes of data")
        env.r.check(rep.get("offloaded_blocks") == count,
                    f"{what}: offloaded_blocks == {count}",
                    f"offloaded_blocks {rep.get('offloaded_blocks')}")


def case_copy(env, lay, sz):
    lun_last = env.cap - 1
    big, mid, small = sz["big"], sz["mid"], sz["small"]

    src = lay.take(0, big)
    data = env.random(big)
    env.write(0, src, data)

    # LUN 0 -> LUN 1, the big one (crosses XCOPY segments on 512-byte LUNs).
    d2 = lay.take(1, big)
    copy_checks(env, f"copy LUN 0 LBA {src} -> LUN 1 LBA {d2}, {big} blocks",
                0, src, 1, d2, big, data)

    # Within LUN 0, a sub-range starting 3 blocks in.
    d1 = lay.take(0, mid)
    copy_checks(env, f"copy within LUN 0 LBA {src + 3} -> LBA {d1}, {mid} blocks",
                0, src + 3, 0, d1, mid, data[3 * env.bs:(3 + mid) * env.bs])

    # LUN 1 -> LUN 0 at another offset, from the copy made above.
    d3 = lay.take(0, small)
    off = 1001
    copy_checks(env, f"copy LUN 1 LBA {d2 + off} -> LUN 0 LBA {d3}, {small} blocks",
                1, d2 + off, 0, d3, small, data[off * env.bs:(off + small) * env.bs])

    # One block, to the last LBA of LUN 1.
    one = min(XCOPY_SEGMENT_BLOCKS, big - 1)
    copy_checks(env, f"copy 1 block LUN 0 LBA {src + one} -> LUN 1 last LBA {lun_last}",
                0, src + one, 1, lun_last, 1, data[one * env.bs:(one + 1) * env.bs])

    # A few blocks, never through the host.
    d5 = lay.take(0, 3)
    want5 = data[5 * env.bs:8 * env.bs]
    what = f"copy --no-host 3 blocks LUN 1 LBA {d2 + 5} -> LUN 0 LBA {d5}"
    if env.expect["copy"] == "host":
        before = env.read(0, d5, 3)
        rc, rep, err = env.run_json("copy", env.luns[1], d2 + 5, env.luns[0], d5, 3, "--no-host")
        env.r.check(rc == 1 and "host" in err and "not allowed" in err,
                    f"{what}: fails without a copy manager, saying host copy is not allowed",
                    f"exit {rc}: {err.strip()}")
        env.same(f"{what}: the destination is unchanged", env.read(0, d5, 3), before)
    else:
        copy_checks(env, what, 1, d2 + 5, 0, d5, 3, want5, extra=("--no-host",))

    # Through the host, as asked.
    hc = sz["hostcopy"]
    d6 = lay.take(1, hc)
    copy_checks(env, f"copy --host-only LUN 0 LBA {src + 111} -> LUN 1 LBA {d6}, {hc} blocks",
                0, src + 111, 1, d6, hc, data[111 * env.bs:(111 + hc) * env.bs],
                extra=("--host-only",), expect="host")

    # Resumed: the first blocks count as done by an earlier run, so the
    # copy must leave them alone.
    n, skip = small, small // 3
    d7 = lay.take(1, n)
    what = f"copy --resume {skip} LUN 0 LBA {src + 17} -> LUN 1 LBA {d7}, {n} blocks"
    before = env.read(1, d7, skip)
    rc, rep, err = env.run_json("copy", env.luns[0], src + 17, env.luns[1], d7, n,
                                "--resume", skip)
    env.report_ok(what, rc, rep, err, n - skip)
    got = env.read(1, d7, n)
    env.same(f"{what}: the first {skip} blocks are left alone", got[:skip * env.bs], before)
    env.same(f"{what}: the rest reads back as the source", got[skip * env.bs:],
             data[(17 + skip) * env.bs:(17 + n) * env.bs])
    env.r.check(rep is not None and rep.get("resume_blocks") == n,
                f"{what}: resume_blocks == {n} (the whole range is done)",
                f"resume_blocks {(rep or {}).get('resume_blocks')}")

    # Adjacent ranges within a LUN are fine; overlapping ones are refused.
    a = lay.take(0, 10)
    five = env.random(5)
    env.write(0, a, five)
    what = f"copy within LUN 0 LBA {a} -> the adjacent LBA {a + 5}, 5 blocks"
    rc, rep, err = env.run_json("copy", env.luns[0], a, env.luns[0], a + 5, 5)
    env.report_ok(what, rc, rep, err, 5)
    env.same(f"{what}: source and destination both read back as the source",
             env.read(0, a, 10), five + five)
    what = f"copy within LUN 0 LBA {a} -> LBA {a + 4}, 5 blocks (overlapping)"
    env.write(0, a + 5, bytes(5 * env.bs))
    rc, rep, err = env.run_json("copy", env.luns[0], a, env.luns[0], a + 4, 5)
    env.r.check(rc == 2 and "overlap" in err, f"{what}: refused as overlapping",
                f"exit {rc}: {err.strip()}")
    env.same(f"{what}: nothing was written", env.read(0, a, 10), five + bytes(5 * env.bs))


def zero_checks(env, what, lun, count, extra, method):
    """Write random data over the range and 2 blocks either side, zero the
    range, read it all back."""
    lba = env.lay.take(lun, count, margin=2)
    data = env.random(count + 4)
    env.write(lun, lba - 2, data)
    rc, rep, err = env.run_json("zero", env.luns[lun], lba, count, *extra)
    rep = env.report_ok(what, rc, rep, err, count)
    got = env.read(lun, lba - 2, count + 4)
    b = env.bs
    env.same(f"{what}: the range reads back as zeros", got[2 * b:-2 * b], bytes(count * b))
    env.same(f"{what}: the 2 blocks either side are intact",
             got[:2 * b] + got[-2 * b:], data[:2 * b] + data[-2 * b:])
    if rep is not None:
        env.method_did(what, rep, method, count)
        if method == "host":
            out = rep.get("link", {}).get("bytes_out", 0)
            env.r.check(out >= count * b, f"{what}: the zeros crossed the link",
                        f"{out} bytes out for {count * b} bytes of zeros")
    return rep


def case_zero(env, lay, sz):
    z = sz["zero"]
    zero_checks(env, f"zero LUN 0 {z} blocks", 0, z, (), env.expect["zero"])
    h = sz["hostzero"]
    zero_checks(env, f"zero --host-only LUN 0 {h} blocks", 0, h, ("--host-only",), "host")
    zero_checks(env, "zero 1 block of LUN 1", 1, 1, (), env.expect["zero"])

    # The last blocks of the LUN (the 4 MiB before them are case_unmap's).
    lba = env.cap - 5
    what = f"zero --no-host the last 3 blocks of LUN 0 (LBA {lba + 2}+3)"
    data = env.random(5)
    env.write(0, lba, data)
    rc, rep, err = env.run_json("zero", env.luns[0], lba + 2, 3, "--no-host")
    rep = env.report_ok(what, rc, rep, err, 3)
    got = env.read(0, lba, 5)
    b = env.bs
    env.same(f"{what}: they read back as zeros", got[2 * b:], bytes(3 * b))
    env.same(f"{what}: the 2 blocks before are intact", got[:2 * b], data[:2 * b])
    env.method_did(what, rep, env.expect["zero"], 3)


def case_unmap(env, lay, sz):
    """4 MiB, 4 MiB-aligned, near the end of LUN 0, written then unmapped;
    on a LUN with an unmap granularity, also an unaligned range of LUN 1:
    its partial granules at both ends keep their data.  Both are measured
    together: a measurement in the array's guest is slow."""
    b = env.bs
    n = 4 * MIB // b
    lba = env.cap - 8 * MIB // b
    what = f"unmap --rate 8 LUN 0 LBA {lba}+{n} (4 MiB)"
    data = env.random(n)
    env.write(0, lba, data)

    g = env.expect["granularity"]
    if g > 1:
        # Granules aligned to tmpfs pages, so that the backing file's
        # allocation shows exactly what was unmapped.
        align = max(g, 4096 // b) * 8
        head, middle, tail = g - 3, g * 49, 5 % g or 1
        gn = head + middle + tail
        glba = lay.take_aligned(1, gn, align, g + 3)
        gwhat = f"unmap LUN 1 LBA {glba}+{gn} (granularity {g})"
        gdata = env.random(gn + 4)
        env.write(1, glba - 2, gdata)

    a1 = env.allocated()
    # At 8 MiB/s, 4 MiB take half a second at least.
    rc, rep, err = env.run_json("unmap", env.luns[0], lba, n, "--rate", 8)
    if g > 1:
        grc, grep, gerr = env.run_json("unmap", env.luns[1], glba, gn)
    a2 = env.allocated()

    if env.expect["unmap"] is None:
        clear = rc == 1 and "cannot unmap" in err
        nothing = rc == 0 and rep is not None and not rep.get("offloaded_blocks")
        env.r.check(clear or nothing,
                    f"{what}: a thick LUN refuses the unmap clearly (or reports nothing done)",
                    f"exit {rc}: {err.strip()}; report {json.dumps(rep)[:800]}")
        env.r.check(a1[0] - a2[0] < 0.1 * 4 * MIB,
                    f"{what}: no space given back on a thick LUN",
                    f"allocated {a1[0]} -> {a2[0]} bytes")
        env.same(f"{what}: the data stays", env.read(0, lba, n), data)
    else:
        rep = env.report_ok(what, rc, rep, err, n)
        env.method_did(what, rep, env.expect["unmap"], n)
        env.r.check(a1[0] - a2[0] >= 0.9 * 4 * MIB,
                    f"{what}: the backing file gives back at least 90% of 4 MiB",
                    f"allocated {a1[0]} -> {a2[0]} bytes "
                    f"({(a1[0] - a2[0]) / MIB:.2f} MiB given back)")
        if env.expect["lbprz"]:
            env.same(f"{what}: reads back as zeros (LBPRZ=1)", env.read(0, lba, n),
                     bytes(n * b))
        if rep is not None:
            secs = rep.get("elapsed_seconds", 0)
            env.r.check(secs >= 0.45, f"{what}: the rate limit holds it to about 0.5 s or more",
                        f"elapsed_seconds {secs}")

    if g <= 1:
        return
    grep = env.report_ok(gwhat, grc, grep, gerr, gn)
    got = env.read(1, glba - 2, gn + 4)
    keep_lo = slice(0, (2 + head) * b)
    keep_hi = slice((2 + head + middle) * b, (gn + 4) * b)
    env.same(f"{gwhat}: the partial granule at the start ({head} blocks) and the 2 blocks "
             f"before keep their data", got[keep_lo], gdata[keep_lo])
    env.same(f"{gwhat}: the partial granule at the end ({tail} blocks) and the 2 blocks "
             f"after keep their data", got[keep_hi], gdata[keep_hi])
    env.r.check(a1[1] - a2[1] >= 0.9 * middle * b,
                f"{gwhat}: the {middle} whole-granule blocks are given back",
                f"allocated {a1[1]} -> {a2[1]} bytes; {middle * b} expected back")
    if grep is not None:
        env.method_did(gwhat, grep, env.expect["unmap"], middle)
        env.r.check(grep.get("skipped_blocks") == head + tail,
                    f"{gwhat}: skipped_blocks == {head + tail} (the partial granules)",
                    f"skipped_blocks {grep.get('skipped_blocks')}; events {grep.get('events')}")

    # Less than a granule, inside one: nothing to unmap, nothing touched.
    slba = lay.take_aligned(1, 5, g, 1)
    swhat = f"unmap LUN 1 LBA {slba}+5 (inside one granule of {g})"
    sdata = env.random(5)
    env.write(1, slba, sdata)
    src, srep, serr = env.run_json("unmap", env.luns[1], slba, 5)
    srep = env.report_ok(swhat, src, srep, serr, 5)
    env.same(f"{swhat}: the blocks keep their data", env.read(1, slba, 5), sdata)
    env.r.check(srep is not None and srep.get("skipped_blocks") == 5 and
                not srep.get("offloaded_blocks"),
                f"{swhat}: all 5 blocks skipped, none unmapped",
                f"report {json.dumps(srep)[:600]}")

    # The same range, when it must read as zeros: partial granules too.
    gwhat = f"unmap --need-zeros LUN 1 LBA {glba}+{gn} (granularity {g})"
    gdata = env.random(gn + 4)
    env.write(1, glba - 2, gdata)
    grc, grep, gerr = env.run_json("unmap", env.luns[1], glba, gn, "--need-zeros")
    env.report_ok(gwhat, grc, grep, gerr, gn)
    got = env.read(1, glba - 2, gn + 4)
    env.same(f"{gwhat}: the whole range, partial granules too, reads back as zeros",
             got[2 * b:-2 * b], bytes(gn * b))
    env.same(f"{gwhat}: the 2 blocks either side are intact",
             got[:2 * b] + got[-2 * b:], gdata[:2 * b] + gdata[-2 * b:])


def case_need_zeros(env, lay, sz):
    n = sz["needzeros"]
    b = env.bs
    lba = lay.take(1, n, margin=2)
    what = f"unmap --need-zeros LUN 1 LBA {lba}+{n}"
    data = env.random(n + 4)
    env.write(1, lba - 2, data)
    rc, rep, err = env.run_json("unmap", env.luns[1], lba, n, "--need-zeros")
    rep = env.report_ok(what, rc, rep, err, n)
    got = env.read(1, lba - 2, n + 4)
    env.same(f"{what}: the range reads back as zeros", got[2 * b:-2 * b], bytes(n * b))
    env.same(f"{what}: the 2 blocks either side are intact",
             got[:2 * b] + got[-2 * b:], data[:2 * b] + data[-2 * b:])
    if rep is None:
        return
    events = " ".join(rep.get("events") or [])
    methods = rep.get("methods", {})
    if env.expect["lbprz"]:
        # Zeros never rest on the UNMAP command, which a target may ignore:
        # WRITE SAME with UNMAP, which must deallocate or write the zeros.
        env.r.check(methods.get("write-same-unmap", {}).get("blocks", 0) == n and
                    "unmap" not in methods and "zeroing" not in events,
                    f"{what}: LBPRZ=1: unmapped by WRITE SAME with UNMAP, not by UNMAP",
                    f"methods {json.dumps(methods)}; events {rep.get('events')}")
    else:
        why = "cannot unmap" if env.expect["unmap"] is None else "LBPRZ=0"
        env.r.check("zeroing" in events and why in events,
                    f"{what}: the report says it zeroed instead ({why})",
                    f"events {rep.get('events')}")
        env.method_did(what, rep, env.expect["zero"], n)


def case_caw(env, lay, sz):
    b = env.bs
    lba = lay.take(0, 1, margin=1)
    old = env.random(1)
    new = env.random(1)
    env.write(0, lba, old)
    exp_path = env.tmpfile(old)
    new_path = env.tmpfile(new)
    what = f"caw LUN 0 LBA {lba}"

    if not env.expect["caw"]:
        rc, rep, err = env.run_json("caw", env.luns[0], lba, "--expect", exp_path,
                                    "--write", new_path)
        env.r.check(rc == 1 and "single-host" in err,
                    f"{what}: refused without COMPARE AND WRITE, saying single-host only",
                    f"exit {rc}: {err.strip()}")
        env.same(f"{what}: the block is unchanged", env.read(0, lba, 1), old)
        return

    rc, rep, err = env.run_json("caw", env.luns[0], lba, "--expect", exp_path,
                                "--write", new_path)
    env.r.check(rc == 0, f"{what} with the right expected data: exit 0",
                f"exit {rc}: {err.strip()}")
    env.method_did(f"{what} with the right expected data", rep, "compare-and-write", 1)
    env.same(f"{what} with the right expected data: the new data reads back",
             env.read(0, lba, 1), new)

    wrong = bytearray(new)
    wrong[CAW_PLANT] ^= 0x5A
    wrong[CAW_PLANT_LATER] ^= 0xA5
    third = env.random(1)
    rc, rep, err = env.run_json("caw", env.luns[0], lba, "--expect", env.tmpfile(bytes(wrong)),
                                "--write", env.tmpfile(third))
    env.r.check(rc == 3, f"{what} with wrong expected data: exit 3 (miscompare)",
                f"exit {rc}: {err.strip()}")
    mc = (rep or {}).get("miscompare") or {}
    env.r.check(mc.get("offset") == CAW_PLANT,
                f"{what} with wrong expected data: reported offset is byte {CAW_PLANT}, "
                f"the first planted difference",
                f"miscompare: {json.dumps(mc)[:200]}")
    env.r.check(mc.get("current_hex") == new.hex(),
                f"{what} with wrong expected data: the report shows the current content",
                "current_hex differs from the block's data")
    env.same(f"{what} with wrong expected data: the block is unchanged",
             env.read(0, lba, 1), new)

    # Only the last byte differs: the offset is the block's last byte.
    last = bytearray(new)
    last[b - 1] ^= 0x01
    rc, rep, err = env.run_json("caw", env.luns[0], lba, "--expect", env.tmpfile(bytes(last)),
                                "--write", env.tmpfile(third))
    mc = (rep or {}).get("miscompare") or {}
    env.r.check(rc == 3 and mc.get("offset") == b - 1,
                f"{what} with expected data wrong in its last byte: exit 3, offset {b - 1}",
                f"exit {rc}: {err.strip()}; miscompare offset {mc.get('offset')}")
    env.same(f"{what} with expected data wrong in its last byte: the block is unchanged",
             env.read(0, lba, 1), new)


def run_cases(env):
    r = env.r
    rc, out, err = env.run("caps", "--json", env.luns[0])
    try:
        caps = json.loads(out)
    except ValueError:
        r.check(False, "vaaictl caps on LUN 0", f"exit {rc}: {err.strip()}")
        return
    env.bs = caps["geometry"]["block_size"]
    env.cap = caps["geometry"]["capacity_blocks"]
    r.check(env.bs == env.expect["block_size"],
            f"LUN 0 has {env.expect['block_size']}-byte blocks", f"it has {env.bs}")
    if env.expect["granularity"] > 1:
        gran = caps["operations"]["unmap"]["granularity"]
        r.check(gran == env.expect["granularity"],
                f"LUN 0 unmaps in granules of {env.expect['granularity']} blocks",
                f"caps says {gran}")
    log(f"LUNs: {env.luns}; {env.cap} blocks of {env.bs} bytes")

    env.lay = Layout(env.cap)
    sz = sizes(env.bs)
    cases = [("io", case_io), ("copy", case_copy), ("zero", case_zero), ("unmap", case_unmap),
             ("unmap --need-zeros", case_need_zeros), ("caw", case_caw)]
    for name, fn in cases:
        t0 = time.monotonic()
        try:
            fn(env, env.lay, sz)
        except Setup as e:
            r.check(False, f"{name}: could not complete", str(e))
        except Exception:
            r.check(False, f"{name}: crashed", traceback.format_exc())
        log(f"case {name}: {time.monotonic() - t0:.1f}s")


# ---------------------------------------------------------------- drivers

def expectations(profile):
    if profile not in PROFILES:
        sys.exit(f"engine-data.py: no expectations for profile '{profile}' "
                 f"(known: {', '.join(PROFILES)})")
    return dict(DEFAULTS, **PROFILES[profile])


def inside(args):
    """In the guest: the LUNs are local SCSI devices."""
    r = Results(os.path.join(args.out, "results"))
    sgs, backing, measure = guest_luns()
    if not r.check(len(sgs) >= 2 and len(backing) == len(sgs),
                   "the guest has two LUNs with sg nodes and backing files",
                   f"LIO_ARRAY_SG={sgs} LIO_ARRAY_BACKING={backing}"):
        return 1
    with tempfile.TemporaryDirectory(prefix="engine-data-") as work:
        env = Env(args, sgs, backing, measure, work)
        env.r = r
        env.expect = expectations(args.profile)
        run_cases(env)
    return finish_in_guest(args.out, r)


def host_sg(args):
    r = Results()
    run_in_guest(os.path.abspath(__file__), args.vaaictl, args.lio_array, args.profile,
                 args.timeout, ["--profile", args.profile, "--transport", "sg"], r)
    return r


def host_iscsi(args):
    r = Results()
    la = args.lio_array
    port = str(args.port)
    if not args.attach:
        t0 = time.monotonic()
        p = subprocess.run([la, "start", "--profile", args.profile, "--port", port,
                            "--timeout", str(args.timeout)], capture_output=True, text=True)
        log(f"array boot: {time.monotonic() - t0:.1f}s")
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            r.check(False, f"the {args.profile} array boots", f"exit {p.returncode}")
            return r
    try:
        urls, backing, measure = iscsi_luns(la, port)
        if not r.check(len(urls) >= 2 and len(backing) == len(urls),
                       "the array has two LUNs with backing files", f"{urls} {backing}"):
            return r
        with tempfile.TemporaryDirectory(prefix="engine-data-") as work:
            env = Env(args, urls, backing, measure, work)
            env.r = r
            env.expect = expectations(args.profile)
            run_cases(env)
    finally:
        if not args.attach:
            subprocess.run([la, "stop", "--port", port])
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", required=True)
    ap.add_argument("--transport", choices=("iscsi", "sg"), required=True)
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13420)
    ap.add_argument("--timeout", type=int, default=840,
                    help="seconds the array may live (default 840)")
    ap.add_argument("--attach", action="store_true",
                    help="iscsi: use the array already running on --port (development)")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    expectations(args.profile)
    return dispatch(args, inside, host_sg, host_iscsi, f"engine {args.profile}")


if __name__ == "__main__":
    sys.exit(main())
