# Small limits, to exercise splitting: every knob below changes what the
# Block Limits VPD page (0xB0) reports.
name=lun0 size=256M max_unmap_lba_count=64 max_unmap_block_desc_count=2 unmap_granularity=8 unmap_granularity_alignment=0 max_write_same_len=16
name=lun1 size=256M max_unmap_lba_count=64 max_unmap_block_desc_count=2 unmap_granularity=8 unmap_granularity_alignment=0 max_write_same_len=16
