# As default, but no COMPARE AND WRITE (emulate_caw=0).
name=lun0 size=256M caw=0
name=lun1 size=256M caw=0
