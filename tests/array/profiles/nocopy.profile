# As default, but no EXTENDED COPY (emulate_3pc=0): the 3PC bit is off and
# XCOPY is an unsupported opcode.
name=lun0 size=256M xcopy=0
name=lun1 size=256M xcopy=0
