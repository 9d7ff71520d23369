#!/bin/bash
# An annotated vaaictl session on one LUN: what it is, a pool on it, a
# volume, a clone, and the pool checked.  Run it on a LUN you may erase:
#
#   examples/vaaictl-session.sh iscsi://127.0.0.1:3260/IQN/1 [VAAICTL]
#
# Every command prints what it did: the method (offloaded or through the
# host), the commands sent and the bytes that crossed the link.
set -euo pipefail
lun=$1
vaaictl=${2:-vaaictl}
set -x

# What the LUN is, and what each operation will use on it, and why: the
# VPD pages decide (EXTENDED COPY, WRITE SAME, UNMAP, COMPARE AND WRITE).
"$vaaictl" caps "$lun"

# A pool for hosts that share the LUN (--force: the LUN is overwritten).
"$vaaictl" pool format "$lun" --name demo --force

# A 64 MiB volume, zeroed by the array (WRITE SAME, or UNMAP on a LUN
# whose unmapped blocks read as zeros).
"$vaaictl" vol create "$lun" golden 64M

# A clone, copied inside the array (EXTENDED COPY) where it can.
"$vaaictl" vol clone "$lun" golden vm1

# Where each volume lives on the LUN, and its state.
"$vaaictl" pool list "$lun"
"$vaaictl" vol info "$lun" vm1 --json

# Nothing overlaps, nothing is left busy.
"$vaaictl" pool check "$lun"

# Deleting gives the space back to a thin array (UNMAP).
"$vaaictl" vol delete "$lun" vm1
"$vaaictl" vol delete "$lun" golden
