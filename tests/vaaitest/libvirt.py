"""A private patched libvirt daemon per host (libvirt/run) and its virsh."""

import os
import subprocess
import xml.etree.ElementTree as ET

from .array import TOP

RUN = os.path.join(TOP, "libvirt", "run")
VAAI_NS = "http://libvirt.org/schemas/storagepool/vaai/1.0"


class Host:
    """libvirtd of host @name, kept in @workdir/@name."""

    def __init__(self, name, workdir):
        self.name = name
        self.dir = os.path.join(workdir, name)
        self.running = False

    def start(self):
        # running even if the start fails half-way: stop() cleans up
        self.running = True
        # Its own device-mapper names: on the kernel transport two hosts
        # on one machine share one kernel, where real hosts have a kernel
        # each.
        prefix = "vaai" + "".join(c if c.isalnum() else "_" for c in self.name)
        env = dict(os.environ, VAAI_DM_PREFIX=prefix[:32])
        subprocess.run([RUN, "--dir", self.dir, "--host", self.name, "start"], check=True,
                       stdout=subprocess.DEVNULL, env=env)

    def stop(self):
        """Stop the host: its running domains first (whatever a failed
        test left: a QEMU outliving its daemon would go on writing into
        whatever the array's LUN holds next), then libvirtd and its lease
        daemon."""
        if self.running:
            r = self.virsh("list", "--name", timeout=60)
            for name in r.stdout.split():
                self.virsh("destroy", name, timeout=60)
            subprocess.run([RUN, "--dir", self.dir, "stop"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            self.running = False

    def pid(self):
        with open(os.path.join(self.dir, "libvirtd.pid")) as f:
            return int(f.read())

    def virsh(self, *argv, timeout=300, check=False):
        r = subprocess.run([RUN, "--dir", self.dir, "virsh", *map(str, argv)], text=True,
                           capture_output=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name}: virsh {' '.join(map(str, argv))}: "
                                 f"{(r.stdout + r.stderr).strip()}")
        return r

    def popen_virsh(self, *argv):
        return subprocess.Popen([RUN, "--dir", self.dir, "virsh", *map(str, argv)], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def define_pool(self, name, url, initiator=None):
        """Define and start a vaai pool of the LUN at iSCSI @url, or at
        the kernel's device @url (/dev/...)."""
        if url.startswith("/dev/"):
            xml = os.path.join(self.dir, f"pool-{name}.xml")
            os.makedirs(self.dir, exist_ok=True)
            with open(xml, "w") as f:
                f.write(f"<pool type='vaai'><name>{name}</name>"
                        f"<source><device path='{url}'/></source></pool>\n")
            self.virsh("pool-define", xml, check=True)
            self.virsh("pool-start", name, check=True)
            return
        hostport, iqn_lun = url[len("iscsi://"):].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        initiator = initiator or f"iqn.2024-11.org.libvirt-vaai:{self.name}"
        xml = os.path.join(self.dir, f"pool-{name}.xml")
        os.makedirs(self.dir, exist_ok=True)
        with open(xml, "w") as f:
            f.write(f"""<pool type='vaai'>
  <name>{name}</name>
  <source>
    <host name='{host}' port='{port}'/>
    <device path='{iqn_lun}'/>
    <initiator><iqn name='{initiator}'/></initiator>
  </source>
</pool>
""")
        self.virsh("pool-define", xml, check=True)
        self.virsh("pool-start", name, check=True)

    def offload(self, pool):
        """The pool's <vaai:offload> element (ElementTree), or None."""
        r = self.virsh("pool-dumpxml", pool, check=True)
        return ET.fromstring(r.stdout).find(f"{{{VAAI_NS}}}offload")

    def counter(self, pool, operation):
        """The attributes of the pool's <vaai:counter operation=...>."""
        off = self.offload(pool)
        for c in off.iter(f"{{{VAAI_NS}}}counter"):
            if c.get("operation") == operation:
                return c.attrib
        return {}

    def volume_stat(self, pool, volume):
        """The attributes of the pool's <vaai:volume name=...>."""
        off = self.offload(pool)
        for v in off.iter(f"{{{VAAI_NS}}}volume"):
            if v.get("name") == volume:
                return v.attrib
        return {}

    def cpu_seconds(self):
        """CPU time the daemon used so far (user + system)."""
        pid = self.pid()
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
