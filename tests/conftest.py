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

from vaaitest.array import Array          # noqa: E402
from vaaitest.libvirt import Host         # noqa: E402
from vaaitest.vaaictl import DEFAULT, Vaaictl  # noqa: E402

HOST_A = "aaaaaaaa-0000-4000-8000-00000000000a"


def pytest_addoption(parser):
    parser.addoption("--vaaictl", default=DEFAULT, help="the vaaictl to test")
    parser.addoption("--port", type=int, default=13900,
                     help="first iSCSI port of the arrays this run starts (each "
                          "array the run starts takes the next)")


class _Arrays:
    """start(kind, profile) -> a started Array on a port of its own."""

    next_port = None

    def __init__(self, config):
        if _Arrays.next_port is None:
            _Arrays.next_port = config.getoption("--port")
        self.started = []

    def __call__(self, kind="lio", profile="default", *extra):
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


@pytest.fixture
def hosts(tmp_path):
    """hosts(name) starts a private libvirtd for the test."""
    started = []

    def start(name):
        h = Host(name, str(tmp_path))
        started.append(h)
        h.start()
        return h

    yield start
    for h in started:
        h.stop()
