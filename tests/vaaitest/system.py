"""The installed host: libvirt-vaai's packages (packaging/install-debs) and
the system daemons started as Debian's init scripts start them."""

import os
import re
import shutil
import subprocess
import time

URI = "qemu:///system"
SOCKET = "/run/libvirt/libvirt-sock"
QEMU_CONF = "/etc/libvirt/qemu.conf"
# Started in this order, stopped in the reverse: vaai-leased before
# libvirtd (libvirtd registers its pools with it), as its unit says.
SERVICES = ["vaai-leased", "virtlogd", "libvirtd"]


def package_version(name):
    """The installed version of Debian package @name, or None."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", name],
                       capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.startswith("ii "):
        return None
    return r.stdout.split()[1]


def service(name, action, check=True):
    """/etc/init.d/NAME ACTION, as init would run it."""
    r = subprocess.run([f"/etc/init.d/{name}", action], capture_output=True, text=True,
                       timeout=120, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    if check and r.returncode != 0:
        raise AssertionError(f"/etc/init.d/{name} {action}: {(r.stdout + r.stderr).strip()}")
    return r


def virsh(*argv, check=False, timeout=300):
    """Debian's virsh (the installed libvirt-clients) on qemu:///system."""
    r = subprocess.run(["/usr/bin/virsh", "-c", URI, *map(str, argv)], capture_output=True,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"virsh {' '.join(map(str, argv))}: {(r.stdout + r.stderr).strip()}")
    return r


def vol_names(pool):
    """The names of POOL's volumes (libvirt 9.0.0's vol-list has no
    --name)."""
    r = virsh("vol-list", pool, check=True)
    return [line.split()[0] for line in r.stdout.splitlines()[2:] if line.strip()]


class System:
    """The system daemons, configured as an operator of a shared pool
    configures them (qemu.conf lock_manager = "vaai"), started by their
    init scripts; stop() puts the machine back as it was."""

    def __init__(self):
        self.saved_conf = None

    def start(self):
        with open(QEMU_CONF) as f:
            conf = f.read()
        self.saved_conf = conf
        # docs/lease-daemon.md's step 3.
        conf, n = re.subn(r'^#?\s*lock_manager\s*=.*$', 'lock_manager = "vaai"', conf,
                          count=1, flags=re.M)
        if n == 0:
            conf += '\nlock_manager = "vaai"\n'
        with open(QEMU_CONF, "w") as f:
            f.write(conf)
        for s in SERVICES:
            service(s, "start")
        deadline = time.monotonic() + 60
        while virsh("uri").returncode != 0:
            if time.monotonic() > deadline:
                raise AssertionError("libvirtd did not answer on qemu:///system within 60 s")
            time.sleep(0.5)

    def stop(self):
        for name in virsh("list", "--name").stdout.split():
            virsh("destroy", name, timeout=60)
        for s in reversed(SERVICES):
            service(s, "stop", check=False)
        if self.saved_conf is not None:
            with open(QEMU_CONF, "w") as f:
                f.write(self.saved_conf)


def stage_boot_files(*paths):
    """Copy files where QEMU, run as libvirt-qemu, may read them (Debian's
    /var/lib/libvirt/boot); return their new paths."""
    d = "/var/lib/libvirt/boot"
    os.makedirs(d, exist_ok=True)
    out = []
    for p in paths:
        dst = os.path.join(d, "vaai-test-" + os.path.basename(p))
        shutil.copyfile(p, dst)
        os.chmod(dst, 0o644)
        out.append(dst)
    return out
