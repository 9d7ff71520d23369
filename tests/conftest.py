"""pytest fixtures of the project's Python tests (tests/vaaitest): the
test arrays, vaaictl as a host runs it, and private libvirt daemons.
Everything a fixture starts is stopped when its scope ends, whatever
happened.

    pytest-3 tests/integration/test_pool_granules.py [--vaaictl PATH] [--port N]
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vaaitest.array import Array, GuestLuns  # noqa: E402
from vaaitest.libvirt import Host         # noqa: E402
from vaaitest.vaaictl import DEFAULT, Vaaictl  # noqa: E402

HOST_A = "aaaaaaaa-0000-4000-8000-00000000000a"


def pytest_addoption(parser):
    parser.addoption("--vaaictl", default=DEFAULT, help="the vaaictl to test")
    parser.addoption("--port", type=int, default=13900,
                     help="first iSCSI port of the arrays this run starts (each "
                          "array the run starts takes the next)")
    parser.addoption("--transport", default="iscsi", choices=["iscsi", "kernel"],
                     help="how hosts reach the LIO array's LUNs: iSCSI (libiscsi), or "
                          "kernel (/dev/sdX, run in the array's guest by libvirt/in-guest)")


class _Arrays:
    """start(kind, profile) -> a started Array on a port of its own."""

    next_port = None

    def __init__(self, config):
        if _Arrays.next_port is None:
            _Arrays.next_port = config.getoption("--port")
        self.kernel = config.getoption("--transport") == "kernel"
        self.started = []

    def __call__(self, kind="lio", profile="default", *extra):
        if self.kernel:
            # The guest's own LUNs (its profile chose them).
            assert kind == "lio", "--transport kernel: LIO only"
            return GuestLuns()
        a = Array(kind, profile, port=_Arrays.next_port, timeout=1800, extra=extra)
        _Arrays.next_port += 1
        self.started.append(a)
        a.start()
        return a

    def stop(self):
        for a in self.started:
            a.stop()


@pytest.fixture(scope="session")
def vaaictl(request):
    """vaaictl as host 'a' runs it (stateless: one for the run)."""
    return Vaaictl(request.config.getoption("--vaaictl"), host_uuid=HOST_A)


@pytest.fixture
def arrays(request):
    """Arrays for one test: arrays(kind, profile) starts one."""
    a = _Arrays(request.config)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def module_arrays(request):
    """Arrays the tests of a module share, in their order (an array boot
    under TCG costs tens of seconds)."""
    a = _Arrays(request.config)
    yield a
    a.stop()


class _Hosts:
    """start(name) -> a running private libvirtd."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.started = []

    def __call__(self, name):
        h = Host(name, self.workdir)
        self.started.append(h)
        h.start()
        return h

    def stop(self):
        for h in self.started:
            h.stop()


@pytest.fixture
def hosts(tmp_path):
    """hosts(name) starts a private libvirtd for the test."""
    h = _Hosts(tmp_path)
    yield h
    h.stop()


@pytest.fixture(scope="module")
def module_hosts(tmp_path_factory):
    """Daemons the tests of a module share, in their order."""
    h = _Hosts(tmp_path_factory.mktemp("hosts"))
    yield h
    h.stop()
