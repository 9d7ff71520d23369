# Small limits, to exercise splitting. Each limit shows in the Block Limits
# VPD page (0xB0) and LIO enforces max_unmap_lba_count,
# max_unmap_block_desc_count and max_write_same_len (the granularity and
# alignment are only advertised). unmap_granularity_alignment=0 is also
# LIO's default: UGAVALID stays 0 (a non-zero value sets it).
name=lun0 size=256M max_unmap_lba_count=64 max_unmap_block_desc_count=2 unmap_granularity=8 unmap_granularity_alignment=0 max_write_same_len=16
name=lun1 size=256M max_unmap_lba_count=64 max_unmap_block_desc_count=2 unmap_granularity=8 unmap_granularity_alignment=0 max_write_same_len=16
