#!/usr/bin/env python3
"""The pool and the engine on a second, independent target: tgt
(tests/array/tgt-array), whose behaviour differs from LIO's where it counts.

- It advertises COMPARE AND WRITE (Block Limits, 128 blocks) and refuses
  it: caps says so and why, a pool for several hosts is refused naming
  --single-host, and a single-host pool is made, used and checked on it.
- It answers GET LBA STATUS (LIO does not): a clone through the host skips
  the source's holes, and the clone reads back equal to its source with a
  fraction of the volume crossing the link; a wipe reads back zeros; a
  delete gives the space back to the backing file.
- The daemon killed (SIGKILL) in the middle of a host copy, a wipe and a
  create (each stopped after its first piece of data, the daemon killed,
  then let go on): each ends with a clear error within BOUND_S and little
  CPU; once
  the daemon is back on the same LUNs, 'pool repair' settles the volume
  and 'pool check' is clean, and the source's data is intact.

Usage: tgt-target.py --vaaictl PATH --tgt-array PATH [--port N]
"""

import argparse
import json
import os
import subprocess
import sys
import time

from testlib import check, finish, interrupted, last_line

MiB = 1024 * 1024
BOUND_S = 20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--tgt-array", required=True)
    ap.add_argument("--port", type=int, default=13810)
    args = ap.parse_args()
    v = os.path.abspath(args.vaaictl)
    env = dict(os.environ, VAAI_HOST_UUID="aaaaaaaa-0000-4000-8000-00000000000a")
    tmp = f"/tmp/tgt-target-{os.getpid()}"

    def run(*argv, timeout=300):
        return subprocess.run([v, *argv], text=True, capture_output=True, timeout=timeout,
                              env=env)

    def array(cmd, *argv, check_rc=True):
        return subprocess.run([args.tgt_array, cmd, "--port", str(args.port), *argv],
                              text=True, capture_output=True, check=check_rc)

    def info(name):
        r = run("vol", "info", lun, name, "--json")
        return json.loads(r.stdout) if r.returncode == 0 else None

    def read(lba, nbytes):
        subprocess.run([v, "read", lun, str(lba), str(nbytes // 512), "--output", tmp],
                       capture_output=True, env=env, check=True)
        with open(tmp, "rb") as f:
            return f.read()

    def allocated():
        out = array("exec", "--", "sh", "-c", "stat -c %b $TGT_ARRAY_BACKING").stdout
        return int(out.split()[0]) * 512

    def killed_under(tag, argv):
        """The target killed after @argv's first piece of data."""
        rc, out, err, took, cpu, went = interrupted([v, "--timeout", "10", *argv], env,
                                                    lambda: array("kill"))
        check(went and rc == 1 and took <= BOUND_S and cpu < 3,
              f"{tag}: with the target killed mid-way it ends with an error in {took:.1f} s "
              f"(bound {BOUND_S} s), {cpu:.2f} s of CPU: {last_line(err)[-150:]}", err[-300:])
        array("revive")
        r = run("pool", "repair", lun, "--single-host")
        r = run("pool", "check", lun)
        check(r.returncode == 0, f"{tag}: after the target is back, repair leaves the pool "
              f"checking clean", r.stdout[-300:])

    lun = array("start", "--timeout", "900").stdout.split()[0]
    try:
        r = run("caps", lun)
        check("atomic:      none" in r.stdout and "refused it" in r.stdout,
              "caps: COMPARE AND WRITE advertised but refused, single-host use only",
              r.stdout[-500:])
        check("GET LBA STATUS yes" in r.stdout, "caps: GET LBA STATUS answered", r.stdout)

        r = run("pool", "format", lun, "--name", "tgt")
        check(r.returncode == 1 and "--single-host" in r.stderr,
              "a pool for several hosts is refused, naming --single-host", r.stderr)
        r = run("pool", "format", lun, "--name", "tgt", "--single-host")
        check(r.returncode == 0 and "single host" in r.stdout, "a single-host pool is made",
              r.stderr)

        r = run("vol", "create", lun, "src", str(64 * MiB), "--single-host")
        check(r.returncode == 0, "create a 64 MiB volume", r.stderr)
        src = info("src")
        data = os.urandom(8 * MiB)
        with open(tmp, "wb") as f:
            f.write(data)
        subprocess.run([v, "write", "-q", lun, str(src["lba"] + 2048), "--input", tmp],
                       env=env, check=True)
        expect = read(src["lba"], 64 * MiB)

        r = run("vol", "clone", lun, "src", "dst", "--single-host", "--json")
        rep = json.loads(r.stdout) if r.returncode == 0 else {}
        rep = rep.get("report", rep)
        link = rep.get("link", {})
        moved = link.get("bytes_out", 0) + link.get("bytes_in", 0)
        check(r.returncode == 0 and rep.get("skipped_blocks", 0) > 0 and moved < 24 * MiB,
              f"a host clone skips the source's holes: {moved / MiB:.1f} MiB over the link "
              f"for a 64 MiB volume with 8 MiB of data", r.stderr[-300:] + json.dumps(link))
        dst = info("dst")
        check(dst and read(dst["lba"], 64 * MiB) == expect, "the clone reads back equal "
              "to its source")

        used = allocated()
        r = run("vol", "wipe", lun, "dst", "--single-host")
        check(r.returncode == 0 and read(dst["lba"], 64 * MiB) == bytes(64 * MiB),
              "a wipe reads back zeros", r.stderr)
        r = run("vol", "delete", lun, "dst", "--single-host")
        freed = used - allocated()
        check(r.returncode == 0, "delete", r.stderr)
        check(freed >= 8 * MiB, f"wipe and delete gave {freed / MiB:.1f} MiB back to the "
              f"backing file (the clone held 8 MiB of data)")
        r = run("pool", "check", lun)
        check(r.returncode == 0, "pool check is clean", r.stdout[-300:])

        # The target dies under each kind of data movement.
        killed_under("host clone", ["vol", "clone", lun, "src", "dst", "--single-host",
                                    "--host-only", "--inflight", "1"])
        killed_under("wipe", ["vol", "wipe", lun, "src", "--single-host", "--algorithm",
                              "dod"])
        killed_under("create", ["vol", "create", lun, "big", str(96 * MiB),
                                "--single-host"])
        # A wipe the kill interrupted may have been finished by the repair:
        # the source holds its data or zeros, never anything else.
        got = read(src["lba"], 64 * MiB)
        check(got == expect or got == bytes(64 * MiB) or info("src")["state"] == "ready",
              "the source volume holds its data (or the zeros of its finished wipe)")
    finally:
        array("stop", check_rc=False)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
