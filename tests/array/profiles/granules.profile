# Unmap granules that start off a multiple of their size: granularity 2048
# blocks (1 MiB), alignment 1024 (UGAVALID set). LIO only advertises them
# (its fileio backend punches holes as asked), so what the backing file
# gives back is what the initiator chose to unmap.
name=lun0 size=256M unmap_granularity=2048 unmap_granularity_alignment=1024
