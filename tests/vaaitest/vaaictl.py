"""vaaictl as one host runs it: a host identity (VAAI_HOST_UUID), and
crash points when a test asks for them."""

import json
import os
import subprocess
import tempfile

from .array import TOP
from .process import interrupted

DEFAULT = os.path.join(TOP, "build", "tools", "vaaictl", "vaaictl")


class Vaaictl:
    def __init__(self, path=DEFAULT, host_uuid=None, env=None):
        self.path = os.path.abspath(path)
        self.env = dict(os.environ if env is None else env)
        if host_uuid:
            self.env["VAAI_HOST_UUID"] = host_uuid

    def argv(self, *argv):
        return [self.path, *map(str, argv)]

    def interrupted(self, *argv, interrupt):
        """Run a command to its first piece of data, call @interrupt(), let
        it go on (process.interrupted)."""
        return interrupted(self.argv(*argv), self.env, interrupt)

    def run(self, *argv, timeout=300, crash_at=None):
        env = self.env if not crash_at else dict(self.env, VIR_STORAGE_VAAI_CRASH_AT=crash_at)
        return subprocess.run([self.path, *map(str, argv)], text=True, capture_output=True,
                              timeout=timeout, env=env)

    def ok(self, *argv, **kw):
        """Run a command that must succeed; its result."""
        r = self.run(*argv, **kw)
        if r.returncode != 0:
            raise AssertionError(f"vaaictl {' '.join(map(str, argv))}: {r.stderr.strip()}")
        return r

    def json(self, *argv, **kw):
        """The --json output of a command that must succeed."""
        r = self.run(*argv, "--json", **kw)
        if r.returncode != 0:
            raise AssertionError(f"vaaictl {' '.join(map(str, argv))}: {r.stderr.strip()}")
        return json.loads(r.stdout)

    def read(self, url, lba, count):
        with tempfile.NamedTemporaryFile() as f:
            r = self.run("read", "-q", url, lba, count, "--output", f.name)
            if r.returncode != 0:
                raise AssertionError(f"vaaictl read: {r.stderr.strip()}")
            return f.read()

    def write(self, url, lba, data):
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            r = self.run("write", "-q", url, lba, "--input", f.name)
            if r.returncode != 0:
                raise AssertionError(f"vaaictl write: {r.stderr.strip()}")

    def volume(self, url, name):
        """A volume's record: lba, capacity, block_size, state..."""
        return self.json("vol", "info", url, name)

    def read_volume(self, url, name, length=None):
        v = self.volume(url, name)
        bs = v.get("block_size", 512)
        return self.read(url, v["lba"], (length or v["capacity"]) // bs)

    def check(self, url):
        """`pool check`: (clean, its JSON)."""
        r = self.run("pool", "check", url, "--json")
        try:
            out = json.loads(r.stdout)
        except ValueError:
            out = {"stdout": r.stdout, "stderr": r.stderr}
        return (r.returncode == 0 and out.get("ok") and out.get("busy") == 0 and
                not out.get("errors")), out
