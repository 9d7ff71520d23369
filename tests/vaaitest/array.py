"""A test array started for a test: LIO under QEMU (tests/array/lio-array)
or tgt on this host (tests/array/tgt-array), which take the same
commands."""

import os
import signal
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARRAYS = {
    "lio": os.path.join(TOP, "tests", "array", "lio-array"),
    "tgt": os.path.join(TOP, "tests", "array", "tgt-array"),
}


class Array:
    """One array on @port; start() boots it and returns its LUNs' URLs."""

    def __init__(self, kind="lio", profile="default", port=13260, timeout=1800, extra=()):
        self.kind = kind
        self.extra = list(extra)        # more start options: --chap U:S ...
        self.tool = ARRAYS[kind]
        self.profile = profile
        self.port = port
        self.timeout = timeout
        self.urls = []

    def _run(self, cmd, *argv, check=True, timeout=600):
        return subprocess.run([self.tool, cmd, "--port", str(self.port), *argv], text=True,
                              capture_output=True, check=check, timeout=timeout)

    def start(self):
        r = self._run("start", "--profile", self.profile, "--timeout", str(self.timeout),
                      *self.extra)
        self.urls = r.stdout.split()
        return self.urls

    def stop(self):
        self._run("stop", check=False)
        self.urls = []

    def status(self):
        return self._run("status", check=False).stdout

    def exec(self, script, check=True):
        """Run shell @script where the target runs (the LIO guest, or
        beside tgtd)."""
        return self._run("exec", "--", "sh", "-c", script, check=check)

    @property
    def iqn(self):
        return self.urls[0].split("/")[3]

    def portal(self, enabled):
        """Open or close the iSCSI portal: the network path goes away,
        the array and its data stay."""
        if self.kind != "lio":
            raise NotImplementedError("portal(): LIO only")
        tpg = f"/sys/kernel/config/target/iscsi/{self.iqn}/tpgt_1/enable"
        self.exec(f"echo {1 if enabled else 0} > {tpg}")

    def kill(self):
        """The array dies at once (SIGKILL): LIO's QEMU, or tgtd."""
        if self.kind == "tgt":
            self._run("kill")
            return
        qemu = subprocess.run(["pgrep", "-f", "qemu-system-x86_64 -name lio-array-start-"
                               f"port-{self.port}"], capture_output=True, text=True)
        for pid in qemu.stdout.split():
            os.kill(int(pid), signal.SIGKILL)

    def revive(self):
        """tgt only: the daemon started again on the same LUNs."""
        if self.kind != "tgt":
            raise NotImplementedError("revive(): tgt only")
        self._run("revive")


class GuestLuns:
    """The LUNs of the LIO array whose guest this test runs in (libvirt/
    in-guest): /dev/sdX devices, the kernel transport.  Started and
    stopped with the guest; exec() runs where the target runs: here."""

    kind = "lio"

    def __init__(self):
        self.urls = os.environ.get("LIO_ARRAY_SD", "").split()
        if not self.urls:
            raise RuntimeError("--transport kernel runs in the LIO array's guest "
                               "(libvirt/in-guest): no $LIO_ARRAY_SD here")

    def start(self):
        return self.urls

    def stop(self):
        pass

    def exec(self, script, check=True):
        return subprocess.run(["sh", "-c", script], text=True, capture_output=True,
                              check=check)
