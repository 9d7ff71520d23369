"""Fixtures of the installed-host tests (tests/packaging): the system
daemons of the installed packages, and the test array."""

import pytest

from vaaitest.system import System, package_version

PACKAGES = ["libvirt0", "libvirt-clients", "libvirt-daemon-system",
            "libvirt-daemon-driver-storage-vaai", "vaaictl", "vaai-leased",
            "virtinst", "python3-libvirt"]


@pytest.fixture(scope="module")
def system():
    missing = [p for p in PACKAGES if not package_version(p)]
    assert not missing, f"not installed: {missing} (packaging/build-debs, packaging/install-debs)"
    # Ours where the pool type lives; Debian's own bindings.
    for p in ("libvirt0", "libvirt-daemon-driver-storage-vaai", "virtinst"):
        assert "+vaai" in package_version(p), f"{p} {package_version(p)} is not libvirt-vaai's"
    assert "+vaai" not in package_version("python3-libvirt")
    s = System()
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def lio(module_arrays):
    return module_arrays("lio", "default")
