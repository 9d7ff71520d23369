#!/usr/bin/env python3
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

Usage: pool-lease.py --vaaictl PATH --lio-array PATH [--port N]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

T_MS = 4000
P_MS = 500
results = []


def check(cond, what, detail=""):
    results.append(bool(cond))
    print(("ok - " if cond else "not ok - ") + what + ("" if cond else f" ({detail})"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13460)
    args = ap.parse_args()
    v = os.path.abspath(args.vaaictl)

    def run(*argv, timeout=120):
        return subprocess.run([v, *argv], text=True, capture_output=True, timeout=timeout)

    urls = subprocess.run([args.lio_array, "start", "--profile", "default", "--port",
                           str(args.port), "--timeout", "900"], check=True, text=True,
                          capture_output=True).stdout.split()
    try:
        lun, other = urls[0], urls[1]

        # A foreign signature (an LVM label in sector 1) is refused...
        with tempfile.NamedTemporaryFile() as f:
            f.write(bytes(512) + b"LABELONE" + bytes(16) + b"LVM2 001" + bytes(512 - 32))
            f.flush()
            run("write", "-q", other, "0", "--input", f.name)
        r = run("pool", "format", other, "--name", "p")
        check(r.returncode == 1 and "LVM2" in r.stderr, "format refuses an LVM physical volume",
              r.stderr.strip())
        r = run("pool", "info", other)
        check(r.returncode == 1, "the refused LUN is no pool", r.stdout)
        r = run("pool", "format", other, "--name", "p", "--force")
        check(r.returncode == 0, "format --force overwrites it", r.stderr.strip())
        r = run("pool", "format", other, "--name", "q")
        check(r.returncode == 1 and "vaai pool" in r.stderr, "format refuses an existing pool",
              r.stderr.strip())

        # Two hosts formatting at once: when they overlap, one claims the
        # LUN first and the other fails saying so; they may also just run
        # one after the other (force over a finished pool).  Never neither.
        for i in range(3):
            procs = [subprocess.Popen([v, "pool", "format", other, "--name", f"race{i}{h}",
                                       "--force"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True) for h in "ab"]
            codes = [p.wait(120) for p in procs]
            errs = [p.stderr.read() for p in procs]
            ok = codes.count(0) >= 1 and all(c == 0 or "another host" in e
                                             for c, e in zip(codes, errs))
            check(ok, f"concurrent format round {i}: someone wins, a loser says why "
                  f"(exit codes {codes})", errs)
        info = run("pool", "info", other)
        check(info.returncode == 0 and "race" in info.stdout, "the winner's pool opens",
              info.stderr.strip())

        # Fencing by reservation is proven before it is relied on: LIO
        # lets only the reserving session of an initiator write under an
        # All Registrants reservation, so the format refuses, says why,
        # and leaves the LUN as it was (the pool still there, no
        # reservation behind).
        r = run("pool", "format", other, "--name", "r", "--force", "--reservations")
        check(r.returncode == 1 and "cannot fence hosts by persistent reservation" in r.stderr
              and "did not reserve" in r.stderr,
              "format --reservations on LIO refuses, naming the failed step",
              r.stderr.strip())
        info = run("pool", "info", other)
        check(info.returncode == 0 and "race" in info.stdout and "fencing:     heartbeat"
              in info.stdout, "the LUN keeps its pool, fenced by heartbeat", info.stdout)
        r2 = run("pool", "format", other, "--name", "r", "--force", "--reservations")
        check("holds a" not in r2.stderr, "no reservation is left behind", r2.stderr.strip())

        r = run("pool", "format", lun, "--name", "lease", "--force",
                "--lease-timeout", str(T_MS), "--heartbeat", str(P_MS))
        check(r.returncode == 0, "format with T=4 s, P=0.5 s", r.stderr.strip())

        # A live holder keeps the lease.
        holder = subprocess.Popen([v, "pool", "lease", lun, "--host-uuid",
                                   "11111111-1111-1111-1111-111111111111", "--hold", "10"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = holder.stdout.readline() + holder.stdout.readline()
        check("acquired" in line, "host 1 acquires the lease", line)
        t0 = time.monotonic()
        r = run("pool", "lease", lun, "--host-uuid", "22222222-2222-2222-2222-222222222222",
                "--wait", str(2 * T_MS))
        waited = time.monotonic() - t0
        check(r.returncode == 1 and "live host" in r.stderr,
              "host 2 is refused while host 1's heartbeat goes on", r.stderr.strip())
        check(waited >= 2 * T_MS / 1000, f"host 2 waited its full {2 * T_MS} ms ({waited:.1f} s)")
        out, err = holder.communicate(timeout=60)
        check(holder.returncode == 0 and "released" in out, "host 1 held it and released it",
              err.strip())

        # A holder that dies holding it is taken over after T, not earlier.
        r = run("pool", "lease", lun, "--host-uuid", "33333333-3333-3333-3333-333333333333",
                "--no-release")
        check(r.returncode == 0 and "exiting without releasing" in r.stdout,
              "host 3 dies holding the lease", r.stderr.strip())
        r = run("pool", "lease", lun, "--host-uuid", "44444444-4444-4444-4444-444444444444",
                "--wait", "30000")
        m = re.search(r"acquired generation \d+ after ([0-9.]+) s", r.stdout)
        took = float(m.group(1)) if m else -1
        check(r.returncode == 0 and m, "host 4 takes the dead host's lease over", r.stderr.strip())
        check(took >= T_MS / 1000, f"not before the lease timeout ({took:.2f} s >= {T_MS / 1000} s)")
        check(took <= T_MS / 1000 + 4 * P_MS / 1000 + 2,
              f"within the bound ({took:.2f} s <= T + 4P + 2 s)")

        # Four hosts contend: one holder at a time, generations grow.
        procs = [subprocess.Popen([v, "pool", "lease", lun, "--host-uuid",
                                   f"5555555{h}-5555-5555-5555-555555555555", "--hold", "1",
                                   "--wait", "60000"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for h in range(4)]
        spans = []
        for p in procs:
            out, err = p.communicate(timeout=180)
            a = re.search(r"acquired generation (\d+) .* at (\d+)", out)
            b = re.search(r"releasing at (\d+)", out)
            check(p.returncode == 0 and a and b, "a contending host got the lease and released it",
                  err.strip())
            if a and b:
                spans.append((int(a.group(2)), int(b.group(1)), int(a.group(1))))
        spans.sort()
        overlap = any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1))
        check(len(spans) == 4 and not overlap, "the four holds never overlap", spans)
        gens = [g for _, _, g in spans]
        check(gens == sorted(gens) and len(set(gens)) == len(gens),
              "generations grow with every acquisition", gens)
    finally:
        subprocess.run([args.lio_array, "stop", "--port", str(args.port)])

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
