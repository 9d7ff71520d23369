"""CHAP over libiscsi against the LIO test array with authentication on.

One array boot (lio-array start --chap --mutual-chap), then, in order:

- mutual CHAP: the right initiator and target credentials log in; no
  credentials, a wrong secret, a wrong user, or a wrong target secret are
  refused with an error that says authentication failed (and which side);
  one-way credentials still log in (LIO does not insist on mutual CHAP);
- the target switched to one-way CHAP (live, in configfs): caps, pool
  format, vol create and pool info work with the right credentials and
  fail clearly without them or with a wrong secret, the secret also from
  a file or the environment;
- no output of vaaictl (text or --json, success or failure) ever shows a
  secret.
"""

import os
import tempfile

import pytest

from vaaitest.vaaictl import Vaaictl

USER, SECRET = "host1", "s3cret-chap.1"
TUSER, TSECRET = "array1", "t4rget-chap.2"
WRONG = "wrong-secret.9"
OUTPUTS = []            # (command, everything it printed), for the leak check


class Recorded(Vaaictl):
    """vaaictl whose every output is kept for the leak check."""

    def run(self, *argv, **kw):
        r = super().run(*argv, **kw)
        OUTPUTS.append((" ".join(map(str, argv[:2])), r.stdout + r.stderr))
        return r


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default", "--chap", f"{USER}:{SECRET}",
                         "--mutual-chap", f"{TUSER}:{TSECRET}")


@pytest.fixture(scope="module")
def v(request):
    return Recorded(request.config.getoption("--vaaictl"))


def url(base, user=None, secret=None, tuser=None, tsecret=None):
    u = "iscsi://" + (f"{user}%{secret}@" if user else "") + base[len("iscsi://"):]
    if tuser:
        u += f"?target_user={tuser}&target_password={tsecret}"
    return u


def refused(r, *words):
    return r.returncode == 1 and "authentication failed" in r.stderr and \
        all(w in r.stderr for w in words)


def test_status_names_users_not_secrets(lio):
    status = lio.status()
    assert f"# chap: {USER} (mutual: {TUSER})" in status and SECRET not in status, status


def test_mutual_chap(lio, v):
    base = lio.urls[0]
    r = v.run("caps", url(base, USER, SECRET, TUSER, TSECRET))
    assert r.returncode == 0 and "LIO-ORG" in r.stdout, r.stderr
    r = v.run("caps", base)
    assert refused(r, "no CHAP user name"), r.stderr
    r = v.run("caps", url(base, USER, WRONG, TUSER, TSECRET))
    assert refused(r, f"refused CHAP user '{USER}'"), r.stderr
    r = v.run("caps", url(base, "nobody", SECRET, TUSER, TSECRET))
    assert r.returncode == 1 and "refused CHAP user 'nobody'" in r.stderr, r.stderr
    r = v.run("caps", url(base, USER, SECRET, TUSER, WRONG))
    assert refused(r, "did not prove itself"), r.stderr
    # LIO answers the initiator's challenge when it sends one, but does
    # not insist on it (kernel: no CHAP_I from the initiator is one-way
    # authentication): an initiator content with one-way CHAP logs in.
    r = v.run("caps", url(base, USER, SECRET))
    assert r.returncode == 0, r.stderr


def test_one_way_chap(lio, v):
    base = lio.urls[0]
    # The mutual credentials cleared ("NULL" clears a configfs auth value).
    t = f"/sys/kernel/config/target/iscsi/{lio.iqn}/tpgt_1/auth"
    lio.exec(f"printf NULL > {t}/userid_mutual && printf NULL > {t}/password_mutual")
    good = url(base, USER, SECRET)
    r = v.run("caps", good, "--json")
    assert r.returncode == 0 and '"vendor"' in r.stdout, r.stderr
    assert v.run("pool", "format", good, "--name", "chap", "--force").returncode == 0
    assert v.run("vol", "create", good, "v1", "4M").returncode == 0
    r = v.run("pool", "info", good)
    assert r.returncode == 0 and "pool chap" in r.stdout, r.stdout + r.stderr
    r = v.run("vol", "info", good, "v1")
    assert r.returncode == 0 and "v1" in r.stdout, r.stdout + r.stderr
    r = v.run("pool", "info", base)
    assert refused(r, "no CHAP user name"), r.stderr
    r = v.run("pool", "info", url(base, USER, WRONG))
    assert refused(r, f"refused CHAP user '{USER}'"), r.stderr


def test_secret_off_the_command_line(lio, v, request):
    # ps shows a command line: the secret from a file or the environment,
    # for the user the URL names.
    user_url = "iscsi://" + f"{USER}@" + lio.urls[0][len("iscsi://"):]
    with tempfile.NamedTemporaryFile("w", suffix=".secret") as f:
        f.write(SECRET + "\n")
        f.flush()
        r = v.run("--chap-secret-file", f.name, "pool", "info", user_url)
    assert r.returncode == 0 and "pool chap" in r.stdout, r.stdout + r.stderr
    good = Recorded(request.config.getoption("--vaaictl"),
                    env={**os.environ, "VAAI_CHAP_SECRET": SECRET})
    r = good.run("vol", "info", user_url, "v1")
    assert r.returncode == 0 and "v1" in r.stdout, r.stdout + r.stderr
    bad = Recorded(request.config.getoption("--vaaictl"),
                   env={**os.environ, "VAAI_CHAP_SECRET": WRONG})
    r = bad.run("pool", "info", user_url)
    assert r.returncode == 1 and f"refused CHAP user '{USER}'" in r.stderr, r.stderr


def test_no_secret_ever_shown():
    leaks = [(cmd, s) for cmd, out in OUTPUTS for s in (SECRET, TSECRET, WRONG) if s in out]
    assert OUTPUTS and not leaks, f"{len(OUTPUTS)} vaaictl runs: {leaks}"
