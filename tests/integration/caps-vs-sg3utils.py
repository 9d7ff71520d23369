#!/usr/bin/env python3
"""vaaictl caps agrees, field by field, with independent decoders.

For one LIO array profile:
  - inside the test array's guest (SG_IO on tcm_loop /dev/sgN), run
    `vaaictl caps --json` and sg3_utils' sg_inq, sg_vpd, sg_readcap and
    sg_copy_results on every LUN;
  - from the host (libiscsi over loopback), run `vaaictl caps --json` and
    libiscsi's iscsi-readcapacity16 on every LUN of the same profile;
then compare every field both sides report.  The LUN configuration is
deterministic per profile, so both boots present the same LUNs.

Usage: caps-vs-sg3utils.py --vaaictl PATH --lio-array PATH --profile NAME [--port N]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

failures = []
checked = 0


def agree(what, ours, theirs):
    """One field compared: vaaictl against the reference decoder."""
    global checked
    checked += 1
    if ours != theirs:
        failures.append(f"{what}: vaaictl says {ours!r}, reference says {theirs!r}")


def number(text):
    """sg3_utils prints decimal, 0x-hex, or -1 for 'no limit'."""
    tok = text.strip().split()[0]
    if tok in ("true", "yes"):
        return True
    if tok in ("false", "no"):
        return False
    val = int(tok, 0)
    return 0xFFFFFFFF if val == -1 else val


def fields(text):
    """'  Label: value ...' lines into a dict keyed by label."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([^:]+?):\s*(.*)$", line)
        if m and m.group(2):
            out.setdefault(m.group(1).strip(), m.group(2).strip())
    return out


BLOCK_LIMITS = {
    "Write same non-zero (WSNZ)": "wsnz",
    "Maximum compare and write length": "max_compare_and_write_length",
    "Optimal transfer length granularity": "optimal_transfer_length_granularity",
    "Maximum transfer length": "max_transfer_length",
    "Optimal transfer length": "optimal_transfer_length",
    "Maximum prefetch transfer length": "max_prefetch_length",
    "Maximum unmap LBA count": "max_unmap_lba_count",
    "Maximum unmap block descriptor count": "max_unmap_block_descriptor_count",
    "Optimal unmap granularity": "optimal_unmap_granularity",
    "Unmap granularity alignment valid": "unmap_granularity_alignment_valid",
    "Unmap granularity alignment": "unmap_granularity_alignment",
    "Maximum write same length": "max_write_same_length",
    "Maximum atomic transfer length": "max_atomic_transfer_length",
    "Atomic alignment": "atomic_alignment",
    "Atomic transfer length granularity": "atomic_transfer_length_granularity",
    "Maximum atomic transfer length with atomic boundary":
        "max_atomic_transfer_length_with_atomic_boundary",
    "Maximum atomic boundary size": "max_atomic_boundary_size",
}

LBP = {
    "Unmap command supported (LBPU)": "lbpu",
    "Write same (16) with unmap bit supported (LBPWS)": "lbpws",
    "Write same (10) with unmap bit supported (LBPWS10)": "lbpws10",
    "Logical block provisioning read zeros (LBPRZ)": "lbprz_field",
    "Anchored LBAs supported (ANC_SUP)": "anc_sup",
    "Threshold exponent": "threshold_exponent",
    "Descriptor present (DP)": "dp",
    "Minimum percentage": "minimum_percentage",
    "Provisioning type": "provisioning_type",
    "Threshold percentage": "threshold_percentage",
}

COPY_PARAMS = {
    "Maximum target descriptor count": "max_cscd_descriptor_count",
    "Maximum segment descriptor count": "max_segment_descriptor_count",
    "Maximum descriptor list length": "max_descriptor_list_length",
    "Maximum segment length": "max_segment_length",
    "Held data limit": "held_data_limit",
    "Maximum stream device transfer size": "max_stream_device_transfer_size",
    "Total concurrent copies": "total_concurrent_copies",
    "Maximum concurrent copies": "max_concurrent_copies",
}


def as_type(ours, theirs):
    return bool(theirs) if isinstance(ours, bool) else theirs


def compare_table(label, caps_section, text, table):
    got = fields(text)
    for sg_label, key in table.items():
        if sg_label not in got:
            # Absent from the page (a short page): absent for us too.
            agree(f"{label} {key} absent", caps_section is not None and key in caps_section, False)
            continue
        if caps_section is None or key not in caps_section:
            failures.append(f"{label}: vaaictl reports no {key}")
            continue
        ours = caps_section[key]
        agree(f"{label} {key}", ours, as_type(ours, number(got[sg_label])))


def compare_sg3(lun, caps, ref):
    """ref: dict of tool name -> its output for this LUN."""
    ident = caps["identity"]
    inq = fields(ref["inq"])
    agree(f"{lun} vendor", ident["vendor"], inq["Vendor identification"])
    agree(f"{lun} product", ident["product"], inq["Product identification"])
    agree(f"{lun} revision", ident["revision"], inq["Product revision level"])
    flags = dict(re.findall(r"\b(\w+)=(\S+)", ref["inq"]))
    agree(f"{lun} 3PC", ident["3pc"], flags["3PC"] == "1")
    agree(f"{lun} TPGS", ident["tpgs"], int(flags["TPGS"]))
    agree(f"{lun} Protect", ident["protect"], flags["Protect"] == "1")
    agree(f"{lun} version", ident["version"], int(flags["version"], 0))
    agree(f"{lun} PDT", ident["peripheral_device_type"], int(flags["PDT"]))

    agree(f"{lun} serial", ident["serial"], fields(ref["sn"])["Unit serial number"])

    m = re.search(r"designator type: NAA,.*\n\s+0x([0-9a-f]+)", ref["di"])
    agree(f"{lun} NAA designator", ident["designator"], "naa." + m.group(1) if m else None)

    pages = [int(p, 16) for p in re.findall(r"^\s+0x([0-9a-f]{2})\b", ref["pages_hex"], re.M)]
    if pages:
        agree(f"{lun} supported VPD pages", caps["vpd_pages"], pages)

    rc = ref["readcap"]
    geo = caps["geometry"]
    agree(f"{lun} blocks", geo["capacity_blocks"],
          int(re.search(r"Number of logical blocks=(\d+)", rc).group(1)))
    agree(f"{lun} block size", geo["block_size"],
          int(re.search(r"Logical block length=(\d+)", rc).group(1)))
    agree(f"{lun} lbppbe", geo["logical_blocks_per_physical_block_exponent"],
          int(re.search(r"physical block exponent=(\d+)", rc).group(1)))
    agree(f"{lun} lowest aligned", geo["lowest_aligned_lba"],
          int(re.search(r"Lowest aligned LBA=(\d+)", rc).group(1)))
    agree(f"{lun} LBPME", caps["provisioning"]["lbpme"],
          re.search(r"lbpme=(\d)", rc).group(1) == "1")
    agree(f"{lun} LBPRZ (READ CAPACITY)", caps["provisioning"]["lbprz_read_capacity"],
          re.search(r"lbprz=(\d)", rc).group(1) == "1")

    if ref.get("bl_rc", 1) == 0:
        compare_table(f"{lun} block limits", caps["block_limits"], ref["bl"], BLOCK_LIMITS)
    else:
        agree(f"{lun} Block Limits page present", caps["block_limits"] is not None, False)
    if ref.get("lbpv_rc", 1) == 0:
        compare_table(f"{lun} LBP", caps["logical_block_provisioning"], ref["lbpv"], LBP)
    else:
        agree(f"{lun} LBP page present", caps["logical_block_provisioning"] is not None, False)

    if not ident["3pc"]:
        # No copy manager advertised: vaaictl does not ask for its
        # parameters (LIO still answers RECEIVE COPY RESULTS with 3PC=0,
        # yet refuses EXTENDED COPY).
        agree(f"{lun} copy manager absent with 3PC=0", caps["copy_manager"], None)
        agree(f"{lun} copy method with 3PC=0", caps["operations"]["copy"]["method"], "host")
    elif ref.get("copy_rc", 1) == 0 and "Maximum target descriptor count" in ref["copy"]:
        cm = caps["copy_manager"]
        compare_table(f"{lun} copy manager", cm, ref["copy"], COPY_PARAMS)
        got = fields(ref["copy"])
        gran = number(got["Data segment granularity"])
        if cm is not None:
            agree(f"{lun} data segment granularity", 1 << cm["data_segment_granularity_log2"], gran)
            agree(f"{lun} SNLID", cm["snlid"], got["Supports no list identifier (SNLID)"] == "yes")
            types = [int(t, 16) for t in
                     re.findall(r"(?:Segment|Target) descriptor 0x([0-9a-f]{2})", ref["copy"])]
            agree(f"{lun} descriptor types", sorted(cm["descriptor_types"]), sorted(types))
    else:
        agree(f"{lun} copy manager present", caps["copy_manager"], None)


def compare_libiscsi(lun, caps, rc16):
    geo = caps["geometry"]
    got = dict(re.findall(r"^([A-Z_ ]+):(\S+)", rc16, re.M))
    agree(f"{lun} blocks (libiscsi)", geo["capacity_blocks"],
          int(got["RETURNED LOGICAL BLOCK ADDRESS"]) + 1)
    agree(f"{lun} block size (libiscsi)", geo["block_size"], int(got["LOGICAL BLOCK LENGTH IN BYTES"]))
    agree(f"{lun} LBPME (libiscsi)", caps["provisioning"]["lbpme"],
          re.search(r"LBPME:(\d)", rc16).group(1) == "1")
    agree(f"{lun} LBPRZ (libiscsi)", caps["provisioning"]["lbprz_read_capacity"],
          re.search(r"LBPRZ:(\d)", rc16).group(1) == "1")


GUEST_SCRIPT = r'''
set -u
i=0
for d in $LIO_ARRAY_SG; do
    o="$OUT/$i"
    "$VAAICTL" caps --json "$d" > "$o.caps.json"; echo $? > "$o.caps.rc"
    sg_inq "$d" > "$o.inq" 2>&1
    sg_vpd -p sn "$d" > "$o.sn" 2>&1
    sg_vpd -p di "$d" > "$o.di" 2>&1
    sg_vpd -p 0 --hex "$d" > "$o.pages_hex" 2>&1
    sg_vpd -p bl "$d" > "$o.bl" 2>&1; echo $? > "$o.bl_rc"
    sg_vpd -p lbpv "$d" > "$o.lbpv" 2>&1; echo $? > "$o.lbpv_rc"
    sg_readcap -l "$d" > "$o.readcap" 2>&1
    sg_copy_results -p "$d" > "$o.copy" 2>&1; echo $? > "$o.copy_rc"
    i=$((i + 1))
done
echo $i > "$OUT/count"

# The same LUN through its block node and through a dm-multipath map on
# top of it: SG_IO must reach the same LUN whichever node is named.
sd=${LIO_ARRAY_SD%% *}
"$VAAICTL" caps --json "$sd" > "$OUT/sd.caps.json"; echo $? > "$OUT/sd.caps.rc"
size=$(blockdev --getsz "$sd")
# No udev in the guest: dmsetup makes the /dev/mapper node itself.
export DM_DISABLE_UDEV=1
if dmsetup create vaai-mp --table "0 $size multipath 0 0 1 1 round-robin 0 1 1 $sd 1" &&
   dmsetup mknodes vaai-mp; then
    "$VAAICTL" caps --json /dev/mapper/vaai-mp > "$OUT/mp.caps.json"; echo $? > "$OUT/mp.caps.rc"
    dmsetup remove vaai-mp
else
    echo 99 > "$OUT/mp.caps.rc"
fi
'''


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def load_ref(out, i):
    ref = {}
    for name in ("inq", "sn", "di", "pages_hex", "bl", "lbpv", "readcap", "copy"):
        with open(os.path.join(out, f"{i}.{name}")) as f:
            ref[name] = f.read()
    for name in ("bl_rc", "lbpv_rc", "copy_rc"):
        with open(os.path.join(out, f"{i}.{name}")) as f:
            ref[name] = int(f.read())
    return ref


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vaaictl", required=True)
    ap.add_argument("--lio-array", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--port", type=int, default=13400)
    args = ap.parse_args()
    vaaictl = os.path.abspath(args.vaaictl)

    with tempfile.TemporaryDirectory(prefix="caps-") as out:
        # SG_IO path, inside the guest.
        env = dict(os.environ, OUT=out, VAAICTL=vaaictl, LIO_ARRAY_PASSENV="OUT VAAICTL")
        subprocess.run([args.lio_array, "guest", "--profile", args.profile, "--share", out,
                        "--", "sh", "-c", GUEST_SCRIPT], check=True, env=env)
        with open(os.path.join(out, "count")) as f:
            nluns = int(f.read())
        if nluns == 0:
            failures.append("the guest saw no LUNs")
        for i in range(nluns):
            with open(os.path.join(out, f"{i}.caps.rc")) as f:
                if int(f.read()) != 0:
                    failures.append(f"lun {i}: vaaictl caps failed over SG_IO")
                    continue
            with open(os.path.join(out, f"{i}.caps.json")) as f:
                caps = json.load(f)
            agree(f"sg lun {i} transport", caps["transport"], "sg")
            compare_sg3(f"sg lun {i}", caps, load_ref(out, i))

        # Block node and multipath map: the same answers as the sg node.
        sg0 = {}
        with open(os.path.join(out, "0.caps.rc")) as f:
            if int(f.read()) == 0:
                with open(os.path.join(out, "0.caps.json")) as f:
                    sg0 = json.load(f)
        for node in ("sd", "mp"):
            with open(os.path.join(out, f"{node}.caps.rc")) as f:
                rc = int(f.read())
            agree(f"vaaictl caps over the {node} node succeeded", rc, 0)
            if rc != 0:
                continue
            with open(os.path.join(out, f"{node}.caps.json")) as f:
                other = json.load(f)
            for key in sg0:
                if key not in ("target", "link"):
                    agree(f"{node} node: {key}", other.get(key), sg0[key])

        # libiscsi path, from the host, same profile.
        urls = run([args.lio_array, "start", "--profile", args.profile,
                    "--port", str(args.port), "--timeout", "900"]).split()
        try:
            agree("iSCSI LUN count", len(urls), nluns)
            for i, url in enumerate(urls):
                caps = json.loads(run([vaaictl, "caps", "--json", url]))
                agree(f"iscsi lun {i} transport", caps["transport"], "iscsi")
                compare_sg3(f"iscsi lun {i}", caps, load_ref(out, i))
                compare_libiscsi(f"iscsi lun {i}", caps, run(["iscsi-readcapacity16", url]))
        finally:
            subprocess.run([args.lio_array, "stop", "--port", str(args.port)])

    for f in failures:
        print("MISMATCH:", f)
    print(f"profile {args.profile}: {checked} fields compared, {len(failures)} mismatches")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
