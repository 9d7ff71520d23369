"""Deleting a volume gives back all of its space on a LUN whose unmap
granules start off a multiple of their size (LIO, profile granules:
granularity 2048 blocks, alignment 1024), measured in the array's backing
file: the pool's extents start on granule boundaries, so the engine, which
unmaps whole granules only, unmaps the whole extent."""

MiB = 1024 * 1024


def test_delete_gives_back_every_granule(arrays, vaaictl):
    array = arrays("lio", "granules")
    lun = array.urls[0]

    def allocated():
        out = array.exec("stat -c %b /run/lio-array/backing/lun0.img").stdout
        return int(out.split()[0]) * 512

    vaaictl.ok("pool", "format", lun, "--name", "granules", "--force")
    info = vaaictl.json("pool", "info", lun)
    assert info["data_lba"] % 2048 == 1024, \
        f"the data area starts where a granule does (LBA {info['data_lba']})"
    for name, size in (("a", 5), ("v", 37), ("b", 3)):
        vaaictl.ok("vol", "create", lun, name, f"{size}M")
    before = allocated()
    vaaictl.ok("vol", "delete", lun, "v")
    freed = before - allocated()
    assert freed >= 37 * MiB, f"the backing file gave back {freed / MiB:.1f} MiB of v's 37 MiB"
    clean, report = vaaictl.check(lun)
    assert clean, report
