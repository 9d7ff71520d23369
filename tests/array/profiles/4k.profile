# As default, with 4096-byte logical blocks.
name=lun0 size=256M block_size=4096
name=lun1 size=256M block_size=4096
