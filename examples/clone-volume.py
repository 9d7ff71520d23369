#!/usr/bin/python3
"""Clone a volume of a vaai pool through the libvirt API, as a management
program would, and say how the array did it.

    examples/clone-volume.py URI POOL SOURCE NEW

URI is the daemon's (qemu:///system on a host).  Needs Debian's
python3-libvirt.  The clone is an ordinary storageVolCreateXMLFrom: the
vaai pool copies inside the array (EXTENDED COPY) where it can, and its
<vaai:offload> element in the pool's XML says what it did."""

import sys
import xml.etree.ElementTree as ET

import libvirt

VAAI = "{http://libvirt.org/schemas/storagepool/vaai/1.0}"


def main(uri, pool_name, source_name, new_name):
    conn = libvirt.open(uri)
    pool = conn.storagePoolLookupByName(pool_name)
    source = pool.storageVolLookupByName(source_name)
    capacity = source.info()[1]

    xml = f"<volume><name>{new_name}</name><capacity>{capacity}</capacity></volume>"
    clone = pool.createXMLFrom(xml, source, 0)
    print(f"{new_name}: {clone.info()[1]} bytes, key {clone.key()}")

    # How this host's daemon made it: the volume's entry in <vaai:offload>.
    offload = ET.fromstring(pool.XMLDesc(0)).find(VAAI + "offload")
    for vol in offload.iter(VAAI + "volume"):
        if vol.get("name") == new_name:
            print(f"  by {vol.get('method')} ({vol.get('offloadedBlocks')} of "
                  f"{vol.get('blocks')} blocks offloaded, {vol.get('linkBytes')} bytes "
                  f"over the link, {vol.get('elapsedMs')} ms)")
    conn.close()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(*sys.argv[1:]))
