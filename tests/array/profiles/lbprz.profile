# As default, and unmapped blocks read back as zeros (LBPRZ=1,
# unmap_zeroes_data=1).
name=lun0 size=256M lbprz=1
name=lun1 size=256M lbprz=1
