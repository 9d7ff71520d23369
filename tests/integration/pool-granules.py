#!/usr/bin/env python3
"""Deleting a volume gives back all of its space on a LUN whose unmap
granules start off a multiple of their size (LIO, profile granules:
granularity 2048 blocks, alignment 1024), measured in the array's backing
file: the pool's extents start on granule boundaries, so the engine, which
unmaps whole granules only, unmaps the whole extent.

Usage: pool-granules.py --vaaictl PATH --lio-array PATH [--port N]
"""

import argparse
import json
import os
import subprocess
import sys

from testlib import check, finish

MiB = 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13760)
    args = ap.parse_args()
    v = os.path.abspath(args.vaaictl)
    env = dict(os.environ, VAAI_HOST_UUID="aaaaaaaa-0000-4000-8000-00000000000a")

    def run(*argv):
        return subprocess.run([v, *argv], text=True, capture_output=True, timeout=300, env=env)

    def array(cmd, *argv, check_rc=True):
        return subprocess.run([args.lio_array, cmd, "--port", str(args.port), *argv],
                              text=True, capture_output=True, check=check_rc)

    def allocated():
        out = array("exec", "--", "sh", "-c",
                    "stat -c %b /run/lio-array/backing/lun0.img").stdout
        return int(out.split()[0]) * 512

    lun = array("start", "--profile", "granules", "--timeout", "600").stdout.split()[0]
    try:
        r = run("pool", "format", lun, "--name", "granules", "--force")
        check(r.returncode == 0, "format", r.stderr)
        info = json.loads(run("pool", "info", lun, "--json").stdout)
        check(info["data_lba"] % 2048 == 1024,
              f"the data area starts where a granule does (LBA {info['data_lba']})")
        for name, size in (("a", 5), ("v", 37), ("b", 3)):
            r = run("vol", "create", lun, name, f"{size}M")
            check(r.returncode == 0, f"create {name} ({size} MiB)", r.stderr)
        before = allocated()
        r = run("vol", "delete", lun, "v")
        check(r.returncode == 0, "delete v", r.stderr)
        after = allocated()
        freed = before - after
        check(freed >= 37 * MiB,
              f"the backing file gave back {freed / MiB:.1f} MiB of v's 37 MiB")
        r = run("pool", "check", lun)
        check(r.returncode == 0, "pool check is clean", r.stdout[-300:])
    finally:
        array("stop", check_rc=False)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
