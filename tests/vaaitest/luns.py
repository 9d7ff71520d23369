"""The two ways the data tests reach the array's LUNs, and the backing
files that tell how much space each holds:

- iscsi: from this host, the URLs of a started array (lio-array or
  tgt-array), the backing files measured with `exec` where the target runs;
- sg: inside the array's guest (lio-array guest), the tcm_loop sg nodes,
  the backing files measured directly.  run_in_guest() runs a script
  there and relays its results."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def iscsi_luns(array_tool, port):
    """(urls, backing, measure) of the array running on @port."""
    st = subprocess.run([array_tool, "status", "--port", str(port)], capture_output=True,
                        text=True, check=True).stdout
    urls = [l for l in st.splitlines() if l.startswith("iscsi://")]
    backing = []
    for line in st.splitlines():
        if line.startswith("# LIO_ARRAY_BACKING="):
            backing = line.split("=", 1)[1].split()

    def measure():
        p = subprocess.run([array_tool, "exec", "--port", str(port), "--", "stat", "-c",
                            "%b %B"] + backing, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"stat of {backing} where the target runs failed: "
                               f"{p.stderr.strip()}")
        w = p.stdout.split()
        return [int(w[i]) * int(w[i + 1]) for i in range(0, len(w), 2)]

    return urls, backing, measure


def guest_luns():
    """(sg nodes, backing, measure) inside the array's guest."""
    sgs = os.environ.get("LIO_ARRAY_SG", "").split()
    backing = os.environ.get("LIO_ARRAY_BACKING", "").split()

    def measure():
        return [os.stat(f).st_blocks * 512 for f in backing]

    return sgs, backing, measure


def run_in_guest(script, vaaictl, lio_array, profile, timeout, argv, results):
    """Boot the array's guest with @profile and run @script there with
    @argv plus --inside --vaaictl V --out DIR (the guest's /tmp is its own:
    the script, tests/vaaitest and vaaictl go through a shared directory);
    relay its result lines into @results, and check that it completed and
    that its exit status agrees."""
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="guest-") as share:
        inner = os.path.join(share, os.path.basename(script))
        tool = os.path.join(share, "vaaictl")
        shutil.copy2(script, inner)
        shutil.copy2(vaaictl, tool)
        shutil.copytree(here, os.path.join(share, "vaaitest"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        cmd = [lio_array, "guest", "--profile", profile, "--share", share, "--timeout",
               str(timeout), "--", "python3", inner, *argv, "--inside", "--vaaictl", tool,
               "--lio-array", lio_array, "--out", share]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        print(f"# the guest ran for {time.monotonic() - t0:.1f}s, exit {p.returncode}",
              flush=True)
        path = os.path.join(share, "results")
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    print(line.rstrip("\n"), flush=True)
                    results.count(line)
        results.check(os.path.exists(os.path.join(share, "done")),
                      "the run inside the guest completed",
                      p.stdout[-2000:] + p.stderr[-2000:])
        results.check(p.returncode == (1 if results.failed else 0),
                      "the guest's exit status agrees with the results",
                      f"lio-array guest exited {p.returncode} with {results.failed} failures")


def finish_in_guest(out, results):
    """Inside: tell run_in_guest() the run completed; the exit status."""
    with open(os.path.join(out, "done"), "w") as f:
        f.write(f"{results.passed} {results.failed}\n")
    return 1 if results.failed else 0


def dispatch(args, inside, host_sg, host_iscsi, label):
    """A data script's main after its arguments: inside the guest, or from
    this host by --transport; prints the summary, returns the exit status."""
    args.vaaictl = os.path.abspath(args.vaaictl)
    args.lio_array = os.path.abspath(args.lio_array)
    if args.inside:
        return inside(args)
    # A test runner's timeout sends SIGTERM: stop the array on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    t0 = time.monotonic()
    r = host_sg(args) if args.transport == "sg" else host_iscsi(args)
    print(f"# {label}/{args.transport}: {time.monotonic() - t0:.0f}s", flush=True)
    return r.summary()
