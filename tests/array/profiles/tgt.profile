# For tgt-array (the second target): two thin LUNs of 256 MiB. What tgt
# does with them is tgt's own: see tests/array/tgt-array.
name=lun0 size=256M
name=lun1 size=256M
