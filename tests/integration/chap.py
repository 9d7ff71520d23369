#!/usr/bin/env python3
"""CHAP over libiscsi against the LIO test array with authentication on.

One array boot (lio-array start --chap --mutual-chap), then:

- mutual CHAP: the right initiator and target credentials log in; no
  credentials, a wrong secret, a wrong user, or a wrong target secret are
  refused with an error that says authentication failed (and which side);
  one-way credentials still log in (LIO does not insist on mutual CHAP);
- the target switched to one-way CHAP (live, in configfs): caps, pool
  format, vol create and pool info work with the right credentials and
  fail clearly without them or with a wrong secret;
- no output of vaaictl (text or --json, success or failure) ever shows a
  secret.

Usage: chap.py --vaaictl PATH --lio-array PATH [--port N]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

USER, SECRET = "host1", "s3cret-chap.1"
TUSER, TSECRET = "array1", "t4rget-chap.2"
WRONG = "wrong-secret.9"
results = []


def check(cond, what, detail=""):
    results.append(bool(cond))
    print(("ok - " if cond else "not ok - ") + what + ("" if cond else f" ({detail})"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--port", type=int, default=13740)
    args = ap.parse_args()
    v = os.path.abspath(args.vaaictl)
    secrets = (SECRET, TSECRET, WRONG)
    outputs = []

    def run(*argv, timeout=120):
        r = subprocess.run([v, *argv], text=True, capture_output=True, timeout=timeout)
        outputs.append((argv[0], r.stdout + r.stderr))
        return r

    def url(base, user=None, secret=None, tuser=None, tsecret=None):
        rest = base[len("iscsi://"):]
        u = "iscsi://" + (f"{user}%{secret}@" if user else "") + rest
        if tuser:
            u += f"?target_user={tuser}&target_password={tsecret}"
        return u

    t0 = time.monotonic()
    start = subprocess.run([args.lio_array, "start", "--profile", "default",
                            "--port", str(args.port), "--timeout", "900",
                            "--chap", f"{USER}:{SECRET}",
                            "--mutual-chap", f"{TUSER}:{TSECRET}"],
                           text=True, capture_output=True)
    if start.returncode != 0:
        print(start.stderr, file=sys.stderr)
        print("not ok - the array starts with --chap --mutual-chap")
        print("0 passed, 1 failed")
        return 1
    print(f"# array up in {time.monotonic() - t0:.1f}s")
    try:
        base = start.stdout.split()[0]
        status = subprocess.run([args.lio_array, "status", "--port", str(args.port)],
                                text=True, capture_output=True).stdout
        check(f"# chap: {USER} (mutual: {TUSER})" in status and SECRET not in status,
              "status names the CHAP users, not the secrets", status)

        # Mutual CHAP.
        r = run("caps", url(base, USER, SECRET, TUSER, TSECRET))
        check(r.returncode == 0 and "LIO-ORG" in r.stdout,
              "mutual: caps with the right credentials", r.stderr.strip())
        r = run("caps", base)
        check(r.returncode == 1 and "authentication failed" in r.stderr
              and "no CHAP user name" in r.stderr,
              "mutual: caps without credentials: authentication failed, none given",
              r.stderr.strip())
        r = run("caps", url(base, USER, WRONG, TUSER, TSECRET))
        check(r.returncode == 1 and "authentication failed" in r.stderr
              and f"refused CHAP user '{USER}'" in r.stderr,
              "mutual: caps with a wrong secret: the target refused the user",
              r.stderr.strip())
        r = run("caps", url(base, "nobody", SECRET, TUSER, TSECRET))
        check(r.returncode == 1 and "refused CHAP user 'nobody'" in r.stderr,
              "mutual: caps with a wrong user: refused", r.stderr.strip())
        r = run("caps", url(base, USER, SECRET, TUSER, WRONG))
        check(r.returncode == 1 and "authentication failed" in r.stderr
              and "did not prove itself" in r.stderr,
              "mutual: caps with a wrong target secret: the target did not prove itself",
              r.stderr.strip())
        # LIO answers the initiator's challenge when it sends one, but does
        # not insist on it (kernel: no CHAP_I from the initiator is one-way
        # authentication): an initiator content with one-way CHAP logs in.
        r = run("caps", url(base, USER, SECRET))
        check(r.returncode == 0,
              "mutual: an initiator asking no proof of the target still logs in (LIO)",
              r.stderr.strip())

        # One-way CHAP: the same target with the mutual credentials
        # cleared ("NULL" clears a configfs auth value).
        iqn = base.split("/")[3]
        t = f"/sys/kernel/config/target/iscsi/{iqn}/tpgt_1/auth"
        x = subprocess.run([args.lio_array, "exec", "--port", str(args.port), "--",
                            "sh", "-c", f"printf NULL > {t}/userid_mutual && "
                            f"printf NULL > {t}/password_mutual"],
                           text=True, capture_output=True)
        check(x.returncode == 0, "the target switches to one-way CHAP", x.stderr)
        good = url(base, USER, SECRET)
        r = run("caps", good, "--json")
        check(r.returncode == 0 and '"vendor"' in r.stdout,
              "one-way: caps --json with the right credentials", r.stderr.strip())
        r = run("pool", "format", good, "--name", "chap", "--force")
        check(r.returncode == 0, "one-way: pool format", r.stderr.strip())
        r = run("vol", "create", good, "v1", "4M")
        check(r.returncode == 0, "one-way: vol create", r.stderr.strip())
        r = run("pool", "info", good)
        check(r.returncode == 0 and "pool chap" in r.stdout, "one-way: pool info",
              r.stdout + r.stderr)
        r = run("vol", "info", good, "v1")
        check(r.returncode == 0 and "v1" in r.stdout, "one-way: vol info",
              r.stdout + r.stderr)
        r = run("pool", "info", base)
        check(r.returncode == 1 and "authentication failed" in r.stderr
              and "no CHAP user name" in r.stderr,
              "one-way: pool info without credentials: authentication failed",
              r.stderr.strip())
        r = run("pool", "info", url(base, USER, WRONG))
        check(r.returncode == 1 and "authentication failed" in r.stderr
              and f"refused CHAP user '{USER}'" in r.stderr,
              "one-way: pool info with a wrong secret: refused", r.stderr.strip())

        # The secret kept off the command line (ps shows it): from a file
        # or the environment, for the user the URL names.
        user_url = "iscsi://" + f"{USER}@" + base[len("iscsi://"):]
        with tempfile.NamedTemporaryFile("w", suffix=".secret") as f:
            f.write(SECRET + "\n")
            f.flush()
            r = run("--chap-secret-file", f.name, "pool", "info", user_url)
        check(r.returncode == 0 and "pool chap" in r.stdout,
              "one-way: the secret from --chap-secret-file", r.stdout + r.stderr)
        r = subprocess.run([v, "vol", "info", user_url, "v1"], text=True, capture_output=True,
                           timeout=120, env={**os.environ, "VAAI_CHAP_SECRET": SECRET})
        outputs.append(("vol", r.stdout + r.stderr))
        check(r.returncode == 0 and "v1" in r.stdout,
              "one-way: the secret from $VAAI_CHAP_SECRET", r.stdout + r.stderr)
        r = subprocess.run([v, "pool", "info", user_url], text=True, capture_output=True,
                           timeout=120, env={**os.environ, "VAAI_CHAP_SECRET": WRONG})
        outputs.append(("pool", r.stdout + r.stderr))
        check(r.returncode == 1 and f"refused CHAP user '{USER}'" in r.stderr,
              "one-way: a wrong $VAAI_CHAP_SECRET is refused", r.stderr.strip())

        leaks = [(cmd, s) for cmd, out in outputs for s in secrets if s in out]
        check(not leaks, f"no secret in the output of {len(outputs)} vaaictl runs", leaks)
    finally:
        subprocess.run([args.lio_array, "stop", "--port", str(args.port)])

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
