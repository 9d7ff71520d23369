"""vaai-leased, the per-host lease daemon (docs/lease-daemon.md), run for
a test as one host, and its line protocol: a GVariant a{sv} per line."""

import os
import socket
import subprocess
import time

from gi.repository import GLib

from .array import TOP

DEFAULT = os.path.join(TOP, "build", "tools", "vaai-leased", "vaai-leased")


# The members' types (docs/lease-daemon.md); every other member is a string.
TYPES = {"pid": "i", "wait-ms": "u"}


def _variant(key, value):
    return GLib.Variant(TYPES.get(key, "s"), value if key in TYPES else str(value))


class LeaseError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Leased:
    """vaai-leased as host @name (UUID @uuid), listening on @socket_path."""

    def __init__(self, path, socket_path, uuid, name, log):
        self.path = path
        self.socket_path = socket_path
        self.uuid = uuid
        self.name = name
        self.log = log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.path, "--socket", self.socket_path, "--host-uuid", self.uuid,
             "--host-name", self.name],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(self.socket_path):
                try:
                    self.call("ping")
                    return self
                except OSError:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"vaai-leased exited: {open(self.log).read()}")
            time.sleep(0.05)
        raise RuntimeError("vaai-leased did not listen within 5 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def call(self, op, timeout=120, **members):
        """One request; its reply (a dict) when ok, else LeaseError."""
        req = {"op": _variant("op", op)}
        for k, v in members.items():
            k = k.replace("_", "-")
            req[k] = _variant(k, v)
        line = GLib.Variant("a{sv}", req).print_(True) + "\n"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket_path)
            s.sendall(line.encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("vaai-leased closed the connection")
                buf += chunk
        reply = GLib.Variant.parse(GLib.VariantType("a{sv}"), buf.decode().strip(), None, None)
        reply = reply.unpack()
        if not reply.get("ok"):
            raise LeaseError(reply.get("code"), reply.get("message"))
        return reply

    def holds(self):
        return self.call("list")["holds"]
