"""What the daemon loads carries no test hook: the vaai storage backend
module, as libvirt/build-libvirt builds it (always without the test_hooks
option), has no crash point (VIR_STORAGE_VAAI_CRASH_AT would otherwise
let an environment variable kill or stop libvirtd), while the vaaictl of
the test build does (so the check below can tell)."""

import glob
import os
import subprocess

CACHE = os.environ.get("LIBVIRT_VAAI_CACHE",
                       os.path.expanduser("~/.cache/libvirt-vaai/libvirt"))
# The module the daemons of this run load: the installed package's
# (LIBVIRT_VAAI_LIBVIRT=installed, libvirt/run) or libvirt/build-libvirt's.
if os.environ.get("LIBVIRT_VAAI_LIBVIRT") == "installed":
    MODULE = (glob.glob("/usr/lib/*/libvirt/storage-backend/libvirt_storage_backend_vaai.so")
              or ["/usr/lib/(no installed vaai backend)"])[0]
else:
    MODULE = os.path.join(CACHE, "build", "src", "libvirt_storage_backend_vaai.so")


def strings(path):
    return subprocess.run(["strings", path], capture_output=True, text=True,
                          check=True).stdout


def test_backend_module_has_no_crash_point(vaaictl):
    assert os.path.exists(MODULE), f"no {MODULE}: run libvirt/build-libvirt or packaging/install-debs"
    assert "VIR_STORAGE_VAAI_CRASH_AT" in strings(vaaictl.path), \
        "the test build's vaaictl has crash points (else this test proves nothing)"
    found = [s for s in strings(MODULE).splitlines()
             if "CRASH_AT" in s or "crash point" in s]
    assert not found, f"the libvirt module carries a crash hook: {found}"
