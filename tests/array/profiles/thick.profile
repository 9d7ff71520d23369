# As default, but fully provisioned: no UNMAP, no WRITE SAME with UNMAP, no
# Logical Block Provisioning page (emulate_tpu=0 emulate_tpws=0).
name=lun0 size=256M tpu=0 tpws=0
name=lun1 size=256M tpu=0 tpws=0
