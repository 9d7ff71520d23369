# Two LUNs, every VAAI primitive on (COMPARE AND WRITE, WRITE SAME/UNMAP,
# EXTENDED COPY), 512-byte blocks. One LUN per line; see docs/test-array.md.
name=lun0 size=256M
name=lun1 size=256M
