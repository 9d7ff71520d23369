/*
 * storage_vaai_format.h: encoding and decoding the on-LUN records of a
 * vaai pool, version 1 (docs/format.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * Everything here is pure: no I/O, no clocks, no global state.  Each
 * record is exactly one logical block; its encoder fills the whole block
 * (fields, zero padding, CRC32C last) and its decoder classifies a block
 * read from the LUN.
 */

#define VIR_STORAGE_VAAI_ERROR virStorageVaaiErrorQuark()

typedef enum {
    VIR_STORAGE_VAAI_ERROR_INVALID_ARG,  /* the caller asked for something impossible */
    VIR_STORAGE_VAAI_ERROR_CORRUPT,      /* our record, but a bad CRC or impossible values */
    VIR_STORAGE_VAAI_ERROR_FOREIGN,      /* not our record: some other data */
    VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,  /* a record version or feature flag we do not know,
                                          * or something the LUN cannot do */
    VIR_STORAGE_VAAI_ERROR_NOT_FOUND,    /* no such volume (by name or by UUID) */
    VIR_STORAGE_VAAI_ERROR_EXISTS,       /* the name is taken */
    VIR_STORAGE_VAAI_ERROR_BUSY,         /* an operation is in progress on it, or it is in use */
    VIR_STORAGE_VAAI_ERROR_NO_SPACE,     /* no free extent or record */
    VIR_STORAGE_VAAI_ERROR_FENCED,       /* this host may no longer write: its fence ran out,
                                          * or another host took its work over */
    VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT, /* the metadata lease stayed with a live holder */
    VIR_STORAGE_VAAI_ERROR_CHANGED,      /* what the operation relied on changed under it
                                          * (another host's operation): try again */
} virStorageVaaiErrorCode;

/* Callers decide on these codes, never on the message text: the libvirt
 * backend maps each to one libvirt error code in one table. */

GQuark virStorageVaaiErrorQuark(void);


/* The only record version this code reads and writes. */
#define VIR_STORAGE_VAAI_RECORD_VERSION 1
#define VIR_STORAGE_VAAI_FORMAT_MAJOR 1
/* 2: the lease record carries the table journal (INCOMPAT_JOURNAL) */
#define VIR_STORAGE_VAAI_FORMAT_MINOR 2

/*
 * Block sizes the codecs accept: format.md names 512 and 4096; any power
 * of two in between or up to 64 KiB costs nothing and every record fits
 * in 512 bytes.
 */
#define VIR_STORAGE_VAAI_BLOCK_SIZE_MIN 512
#define VIR_STORAGE_VAAI_BLOCK_SIZE_MAX 65536

#define VIR_STORAGE_VAAI_UUID_LEN 16

/* The fixed parts: everything up to and including the CRC. */
#define VIR_STORAGE_VAAI_HEADER_LEN 212
#define VIR_STORAGE_VAAI_LEASE_LEN 60
#define VIR_STORAGE_VAAI_HEARTBEAT_LEN 116
#define VIR_STORAGE_VAAI_VOLRECORD_LEN 292
#define VIR_STORAGE_VAAI_INUSE_LEN 492

/* Where each record keeps its CRC32C (big-endian, like every integer). */
#define VIR_STORAGE_VAAI_HEADER_CRC_OFFSET 208
#define VIR_STORAGE_VAAI_LEASE_CRC_OFFSET 56
#define VIR_STORAGE_VAAI_HEARTBEAT_CRC_OFFSET 112
#define VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET 288
#define VIR_STORAGE_VAAI_INUSE_CRC_OFFSET 488

#define VIR_STORAGE_VAAI_HEADER_MAGIC "VAAIPOOL"
#define VIR_STORAGE_VAAI_LEASE_MAGIC "LEAS"
#define VIR_STORAGE_VAAI_HEARTBEAT_MAGIC "HBT1"
#define VIR_STORAGE_VAAI_VOLRECORD_MAGIC "VOL1"
#define VIR_STORAGE_VAAI_INUSE_MAGIC "USE1"

/* Default layout (format.md "Layout"); readers use the header's values. */
#define VIR_STORAGE_VAAI_LEASE_LBA 2
#define VIR_STORAGE_VAAI_HEARTBEAT_LBA 8
#define VIR_STORAGE_VAAI_HEARTBEAT_SLOTS 64
#define VIR_STORAGE_VAAI_VOLUME_RECORDS 1024
/* What a header read from the LUN may ask this host to allocate and read:
 * a hostile or corrupt header must not make it read gigabytes. */
#define VIR_STORAGE_VAAI_HEARTBEAT_SLOTS_MAX 4096
#define VIR_STORAGE_VAAI_VOLUME_RECORDS_MAX 65536
#define VIR_STORAGE_VAAI_TABLE_BYTES_MAX (64 * 1024 * 1024)
#define VIR_STORAGE_VAAI_LEASE_TIMEOUT_MS 10000
#define VIR_STORAGE_VAAI_HEARTBEAT_INTERVAL_MS 1000

/*
 * String fields, in bytes on the LUN and in the structures.  A string
 * always ends with a NUL inside its field, so the longest name is one
 * byte shorter than the field.
 */
#define VIR_STORAGE_VAAI_POOL_NAME_SIZE 64
#define VIR_STORAGE_VAAI_HOST_NAME_SIZE 64
#define VIR_STORAGE_VAAI_VOL_NAME_SIZE 128

/*
 * Feature flags of the header this code knows.
 * See virStorageVaaiHeaderCompatOK().
 */
#define VIR_STORAGE_VAAI_COMPAT_KNOWN 0u
/* The in-use area (docs/format.md "In-use records"): block i at
 * volumeTableLba + volumeRecords + i says who holds volume record i's
 * volume open.  Code that does not know the flag would delete, wipe or
 * resize a volume a domain runs on: it may only read such a pool.  Set by
 * format 1.1; pools of format 1.0 lack it (no area). */
#define VIR_STORAGE_VAAI_RO_COMPAT_INUSE 0x1u
#define VIR_STORAGE_VAAI_RO_COMPAT_KNOWN VIR_STORAGE_VAAI_RO_COMPAT_INUSE
/* Set in the primary header while a format runs: nobody opens it. */
#define VIR_STORAGE_VAAI_INCOMPAT_FORMATTING 0x1u
/* Hosts are fenced by a persistent reservation (storage_vaai_fence.h):
 * code that does not register a key would have its writes refused. */
#define VIR_STORAGE_VAAI_INCOMPAT_RESERVATIONS 0x2u
/* The data area starts off a multiple of the extent alignment (where the
 * LUN's unmap granules start), and extents are aligned from there:
 * code that aligns them from LBA 0 would split every granule. */
#define VIR_STORAGE_VAAI_INCOMPAT_DATA_OFFSET 0x8u
/* The lease record is of version 2 and carries the table journal: which
 * volume records each holder of the lease changed (docs/format.md "The
 * table journal").  Code that does not write it would change records that
 * hosts reading the journal never read again.  Set by format 1.2 and by
 * `pool upgrade`. */
#define VIR_STORAGE_VAAI_INCOMPAT_JOURNAL 0x10u
#define VIR_STORAGE_VAAI_INCOMPAT_KNOWN \
    (VIR_STORAGE_VAAI_INCOMPAT_FORMATTING | VIR_STORAGE_VAAI_INCOMPAT_RESERVATIONS | \
     VIR_STORAGE_VAAI_INCOMPAT_DATA_OFFSET | VIR_STORAGE_VAAI_INCOMPAT_JOURNAL)


/*
 * What a decoder found in a block.  Every Decode function:
 *  - zeroes *out first, and fills it only for VALID (UNKNOWN_VERSION also
 *    sets out->version, so that `pool check` can name it);
 *  - sets @error exactly when it returns CORRUPT (code CORRUPT, or
 *    INVALID_ARG when @blockSize itself is unsupported: nothing was read),
 *    FOREIGN (code FOREIGN) or UNKNOWN_VERSION (code UNSUPPORTED);
 *  - checks, in this order: all zero (EMPTY), magic (FOREIGN), CRC
 *    (CORRUPT), record version (UNKNOWN_VERSION), then the fields.
 * A VALID block re-encodes to exactly the same bytes: reserved bytes,
 * padding and the bytes after a string's NUL must be zero, or the block is
 * CORRUPT.
 */
typedef enum {
    VIR_STORAGE_VAAI_RECORD_EMPTY,            /* all zero: never written */
    VIR_STORAGE_VAAI_RECORD_VALID,            /* decoded into *out */
    VIR_STORAGE_VAAI_RECORD_CORRUPT,          /* right magic; bad CRC or impossible values: report, never follow */
    VIR_STORAGE_VAAI_RECORD_FOREIGN,          /* wrong magic: some other data */
    VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION,  /* right magic, good CRC, record version not 1: opaque, in use */

    VIR_STORAGE_VAAI_RECORD_STATUS_LAST
} virStorageVaaiRecordStatus;

const char *
virStorageVaaiRecordStatusName(virStorageVaaiRecordStatus status);


/*
 * The record version field of every structure: set by Decode (1 for VALID,
 * the version found for UNKNOWN_VERSION).  Encode writes version 1 when it
 * holds 0 or 1 and refuses anything else, so that a record of an unknown
 * version read from the LUN cannot be rewritten by mistake.
 */

/* ---- Header (LBA 0, backup at LBA 1) ---- */

typedef struct _virStorageVaaiHeader virStorageVaaiHeader;
struct _virStorageVaaiHeader {
    uint8_t version;                /* 8: record version */
    uint8_t formatMajor;            /* 9 */
    uint16_t formatMinor;           /* 10 */
    uint32_t compat;                /* 12 */
    uint32_t roCompat;              /* 16 */
    uint32_t incompat;              /* 20 */
    uint8_t poolUuid[VIR_STORAGE_VAAI_UUID_LEN];        /* 24 */
    uint32_t blockSize;             /* 40: bytes, equals the LUN's */
    uint32_t extentAlignment;       /* 44: blocks, a power of two */
    uint64_t capacity;              /* 48: blocks, at format time */
    uint64_t leaseLba;              /* 56 */
    uint64_t heartbeatLba;          /* 64 */
    uint32_t heartbeatSlots;        /* 72: H */
    uint32_t volumeRecords;         /* 76: N */
    uint64_t volumeTableLba;        /* 80: V */
    uint64_t dataLba;               /* 88: D */
    uint64_t dataEndLba;            /* 96: exclusive */
    uint8_t formatHostUuid[VIR_STORAGE_VAAI_UUID_LEN];  /* 104 */
    uint64_t formatTime;            /* 120: Unix seconds, informational */
    uint64_t leaseTimeoutMs;        /* 128: T */
    uint64_t heartbeatIntervalMs;   /* 136: P */
    char name[VIR_STORAGE_VAAI_POOL_NAME_SIZE];         /* 144 */
};

/* All zeros, or one of the records above with a matching CRC: a read of
 * it was not torn.  Pure; any block size. */
bool
virStorageVaaiBlockWhole(const uint8_t *block,
                         size_t blockSize);

/*
 * Values a header must hold (Encode refuses the others with INVALID_ARG,
 * Decode calls them CORRUPT):
 *  - formatMajor non-zero (versions start at 1);
 *  - blockSize equal to @blockSize;
 *  - extentAlignment a non-zero power of two, dataLba a multiple of it
 *    unless INCOMPAT_DATA_OFFSET says otherwise;
 *  - heartbeatSlots and volumeRecords non-zero;
 *  - the regions {LBA 0-1: headers}, {leaseLba: 1 block},
 *    {heartbeatLba: H blocks}, {volumeTableLba: N blocks}, with
 *    RO_COMPAT_INUSE {volumeTableLba + N: N blocks}, and
 *    {dataLba .. dataEndLba} pairwise disjoint and inside capacity (the
 *    data area may be empty, never reversed);
 *  - 0 < heartbeatIntervalMs < leaseTimeoutMs (a host renewing less often
 *    than the lease timeout would be taken over while alive);
 *  - poolUuid and formatHostUuid not all zero (zero means "none" in the
 *    other records);
 *  - name non-empty UTF-8 of at most 63 bytes.
 * Which format versions and flags this code can use is not judged here: see
 * virStorageVaaiHeaderCompatOK().
 */
int
virStorageVaaiHeaderEncode(const virStorageVaaiHeader *rec,
                           uint8_t *block,
                           size_t blockSize,
                           GError **error);

virStorageVaaiRecordStatus
virStorageVaaiHeaderDecode(const uint8_t *block,
                           size_t blockSize,
                           virStorageVaaiHeader *out,
                           GError **error);

/* The first block of @h's in-use area, or 0 when the pool has none. */
uint64_t
virStorageVaaiHeaderInUseLba(const virStorageVaaiHeader *h);

/*
 * Whether this code may use a pool with header @h (a VALID one): an
 * unknown incompat flag or a format major version other than 1 forbids
 * opening at all; an unknown ro_compat flag forbids writing; an unknown
 * compat flag changes nothing (the ext2 meaning of the three words).
 * Returns false with VIR_STORAGE_VAAI_ERROR_UNSUPPORTED naming the bits.
 */
bool
virStorageVaaiHeaderCompatOK(const virStorageVaaiHeader *h,
                             bool forWrite,
                             GError **error);


/* ---- Metadata lease (LBA 2) ---- */

/* Version 2 of the lease record (format 1.2) adds the table journal. */
#define VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL 2
/* The journal keeps the record changed at each of the last this many
 * table generations: entry g % LEN for generation g. */
#define VIR_STORAGE_VAAI_JOURNAL_LEN 64
/* A journal entry: "any record may have changed" (reread them all). */
#define VIR_STORAGE_VAAI_JOURNAL_ALL UINT32_MAX

typedef struct _virStorageVaaiLease virStorageVaaiLease;
struct _virStorageVaaiLease {
    uint8_t version;                /* 4: record version (1, or 2 with the journal) */
    uint8_t owner[VIR_STORAGE_VAAI_UUID_LEN];   /* 8: host UUID, all zero: free */
    uint64_t ownerIncarnation;      /* 24 */
    uint32_t ownerSlot;             /* 32: heartbeat slot of the owner */
    uint64_t generation;            /* 40 */
    uint64_t acquiredAt;            /* 48: Unix seconds, informational */
    /* version 2, after the CRC (still covered by it): */
    uint64_t tableGeneration;       /* 64: +1 for every volume record change journaled */
    uint32_t journal[VIR_STORAGE_VAAI_JOURNAL_LEN]; /* 72: record index, or JOURNAL_ALL */
};

/*
 * Any values encode: whether ownerSlot is below the header's H is for the
 * caller, which has the header.
 */
int
virStorageVaaiLeaseEncode(const virStorageVaaiLease *rec,
                          uint8_t *block,
                          size_t blockSize,
                          GError **error);

virStorageVaaiRecordStatus
virStorageVaaiLeaseDecode(const uint8_t *block,
                          size_t blockSize,
                          virStorageVaaiLease *out,
                          GError **error);

bool
virStorageVaaiLeaseIsFree(const virStorageVaaiLease *rec);


/* ---- Heartbeat slot (LBA heartbeatLba + i) ---- */

typedef struct _virStorageVaaiHeartbeat virStorageVaaiHeartbeat;
struct _virStorageVaaiHeartbeat {
    uint8_t version;                /* 4: record version */
    uint8_t host[VIR_STORAGE_VAAI_UUID_LEN];    /* 8: all zero: free slot */
    uint64_t incarnation;           /* 24 */
    uint64_t counter;               /* 32 */
    uint64_t renewedAt;             /* 40: Unix seconds, informational */
    char hostName[VIR_STORAGE_VAAI_HOST_NAME_SIZE];     /* 48: informational */
};

/* hostName: UTF-8 of at most 63 bytes, may be empty. */
int
virStorageVaaiHeartbeatEncode(const virStorageVaaiHeartbeat *rec,
                              uint8_t *block,
                              size_t blockSize,
                              GError **error);

virStorageVaaiRecordStatus
virStorageVaaiHeartbeatDecode(const uint8_t *block,
                              size_t blockSize,
                              virStorageVaaiHeartbeat *out,
                              GError **error);

bool
virStorageVaaiHeartbeatIsFree(const virStorageVaaiHeartbeat *rec);


/* A UUID as 8-4-4-4-12 lower-case hex (g_free it). */
char *
virStorageVaaiUuidFormat(const uint8_t *uuid);

/* 32 hex digits, dashes anywhere (as UUIDs and /etc/machine-id are
 * written); false for anything else. */
bool
virStorageVaaiUuidParse(const char *str,
                        uint8_t *uuid);


/* ---- In-use record: who holds a volume open (docs/design/in-use-leases.md) ---- */

#define VIR_STORAGE_VAAI_INUSE_HOLDERS 8

typedef enum {
    VIR_STORAGE_VAAI_INUSE_NONE = 0,
    VIR_STORAGE_VAAI_INUSE_EXCLUSIVE = 1,   /* read-write, alone */
    VIR_STORAGE_VAAI_INUSE_SHARED = 2,      /* read-write, beside other shared ones */
    VIR_STORAGE_VAAI_INUSE_INCOMING = 3,    /* the paused destination of a migration,
                                             * beside the exclusive source */
} virStorageVaaiInUseMode;

typedef struct _virStorageVaaiInUseHolder virStorageVaaiInUseHolder;
struct _virStorageVaaiInUseHolder {
    uint8_t host[VIR_STORAGE_VAAI_UUID_LEN];    /* +0 */
    uint64_t incarnation;           /* +16: the host's lease process */
    /* +24: what holds the volume for that process, e.g. a domain's UUID
     * (two domains of one host are two holders); all zero: the process */
    uint8_t owner[VIR_STORAGE_VAAI_UUID_LEN];
    uint8_t mode;                   /* +40: virStorageVaaiInUseMode */
    uint64_t since;                 /* +48: Unix seconds, informational */
};

typedef struct _virStorageVaaiInUse virStorageVaaiInUse;
struct _virStorageVaaiInUse {
    uint8_t version;                /* 4: record version */
    uint64_t generation;            /* 8 */
    uint8_t volume[VIR_STORAGE_VAAI_UUID_LEN];  /* 16: the volume held */
    uint8_t count;                  /* 32: holders in use, from the first */
    virStorageVaaiInUseHolder holders[VIR_STORAGE_VAAI_INUSE_HOLDERS];  /* 40, 56 each */
};

/*
 * Decoded (and encoded) only when consistent: at most
 * VIR_STORAGE_VAAI_INUSE_HOLDERS holders, each with a host, a known mode
 * and no twin (same host, incarnation and owner); shared holders only among
 * themselves; at most one exclusive and one incoming holder, together
 * (then for one owner: a migration) or alone; the entries past count all zero; a volume named when anyone
 * holds it.
 */
int
virStorageVaaiInUseEncode(const virStorageVaaiInUse *rec,
                          uint8_t *block,
                          size_t blockSize,
                          GError **error);

virStorageVaaiRecordStatus
virStorageVaaiInUseDecode(const uint8_t *block,
                          size_t blockSize,
                          virStorageVaaiInUse *out,
                          GError **error);

/* Whether @h and @who are one holder: host, incarnation and owner (the
 * mode and time aside). */
bool
virStorageVaaiInUseHolderIs(const virStorageVaaiInUseHolder *h,
                            const virStorageVaaiInUseHolder *who);


/* ---- Volume record (LBA volumeTableLba + i) ---- */

typedef enum {
    VIR_STORAGE_VAAI_VOL_FREE = 0,
    VIR_STORAGE_VAAI_VOL_CREATING = 1,
    VIR_STORAGE_VAAI_VOL_READY = 2,
    VIR_STORAGE_VAAI_VOL_DELETING = 3,
    VIR_STORAGE_VAAI_VOL_RESIZING = 4,
    VIR_STORAGE_VAAI_VOL_CLONING = 5,
    VIR_STORAGE_VAAI_VOL_WIPING = 6,
    VIR_STORAGE_VAAI_VOL_BROKEN = 7,
    VIR_STORAGE_VAAI_VOL_RELEASING = 8,   /* trimming the intent extent before it is freed */

    VIR_STORAGE_VAAI_VOL_STATE_LAST
} virStorageVaaiVolState;

/* "free", "creating", ...; "unknown" for a value out of range. */
const char *
virStorageVaaiVolStateName(virStorageVaaiVolState state);

typedef enum {
    VIR_STORAGE_VAAI_VOL_FLAG_ZEROED = 1 << 0,  /* zeroed on create */
    VIR_STORAGE_VAAI_VOL_FLAG_THIN = 1 << 1,    /* thin, never zeroed */
} virStorageVaaiVolFlags;

#define VIR_STORAGE_VAAI_VOL_FLAGS_KNOWN \
    (VIR_STORAGE_VAAI_VOL_FLAG_ZEROED | VIR_STORAGE_VAAI_VOL_FLAG_THIN)

typedef struct _virStorageVaaiVolRecord virStorageVaaiVolRecord;
struct _virStorageVaaiVolRecord {
    uint8_t version;                /* 4: record version */
    virStorageVaaiVolState state;   /* 5 */
    uint16_t flags;                 /* 6: virStorageVaaiVolFlags */
    uint64_t sequence;              /* 8 */
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];            /* 16 */
    uint64_t extentStart;           /* 32: LBA */
    uint64_t extentLength;          /* 40: blocks */
    uint64_t capacity;              /* 48: bytes */
    uint8_t parentUuid[VIR_STORAGE_VAAI_UUID_LEN];      /* 56: zero: none */
    uint8_t parentPoolUuid[VIR_STORAGE_VAAI_UUID_LEN];  /* 72: zero: this pool */
    uint64_t createdAt;             /* 88: Unix seconds */
    uint64_t modifiedAt;            /* 96: Unix seconds */
    uint8_t workerUuid[VIR_STORAGE_VAAI_UUID_LEN];      /* 104 */
    uint64_t workerIncarnation;     /* 120 */
    uint64_t progress;              /* 128: blocks */
    uint64_t intentExtentStart;     /* 136 */
    uint64_t intentExtentLength;    /* 144 */
    uint64_t intentCapacity;        /* 152 */
    char name[VIR_STORAGE_VAAI_VOL_NAME_SIZE];          /* 160 */
};

/*
 * Values a volume record must hold (Encode: INVALID_ARG, Decode: CORRUPT):
 *  - state below VIR_STORAGE_VAAI_VOL_STATE_LAST;
 *  - flags within VIR_STORAGE_VAAI_VOL_FLAGS_KNOWN, not both ZEROED and
 *    THIN;
 *  - extentStart + extentLength and intentExtentStart +
 *    intentExtentLength within 64 bits;
 *  - capacity <= extentLength * blockSize; intentCapacity <=
 *    intentExtentLength * blockSize when intentExtentLength is non-zero;
 *  - name UTF-8 of at most 127 bytes, non-empty unless the state is free.
 * Alignment and overlap of extents need the header and the whole table:
 * they are the caller's.
 */
int
virStorageVaaiVolRecordEncode(const virStorageVaaiVolRecord *rec,
                              uint8_t *block,
                              size_t blockSize,
                              GError **error);

virStorageVaaiRecordStatus
virStorageVaaiVolRecordDecode(const uint8_t *block,
                              size_t blockSize,
                              virStorageVaaiVolRecord *out,
                              GError **error);

/* Whether a valid record's extents (and intended extent) lie inside the
 * pool's data area [@dataLba, @dataEndLba): a record read from the LUN
 * that points anywhere else is treated as corrupt, never written through.
 * Free records hold no space and pass. */
/* Volume names: 1..127 bytes of UTF-8, no '/', no control characters, not
 * "." or "..": they become file names in libvirt.  A name that breaks
 * them is refused from users (INVALID_ARG) and from the LUN (a record
 * that carries one is CORRUPT). */
bool
virStorageVaaiVolNameValid(const char *name,
                           GError **error);

bool
virStorageVaaiVolRecordInArea(const virStorageVaaiVolRecord *rec,
                              uint64_t dataLba,
                              uint64_t dataEndLba,
                              GError **error);


/* ---- Signatures of what a LUN may already hold ---- */

/*
 * How much of the start of a LUN virStorageVaaiDetectSignature() looks at:
 * the farthest signature is btrfs' "_BHRfS_M" at 65600 (+8), and a vaai
 * backup header at LBA 1 of a 64 KiB-block LUN ends at 65544.
 */
#define VIR_STORAGE_VAAI_SNIFF_BYTES (72 * 1024)

/*
 * Returns a description of the first signature found in @buf, the first
 * @len bytes of a LUN of @blockSize-byte logical blocks, or NULL when none
 * is found.  Signatures that lie beyond @len are not checked, so pass
 * VIR_STORAGE_VAAI_SNIFF_BYTES (or the whole LUN when it is smaller).  In
 * the order checked:
 *   "vaai pool"               "VAAIPOOL" at LBA 0 or LBA 1
 *   "GPT"                     "EFI PART" at LBA 1
 *   "DOS/MBR partition table" 0x55 0xAA at 510 and a plausible entry
 *   "LVM2 physical volume"    "LABELONE" + "LVM2 001" in 512-byte sector 0-3
 *   "XFS filesystem"          "XFSB" at 0
 *   "ext2/3/4 filesystem"     0x53 0xEF at 1080
 *   "swap"                    "SWAPSPACE2" at pagesize - 10, for pages of
 *                             4, 8, 16 and 64 KiB
 *   "ISO 9660"                "CD001" at 32769
 *   "btrfs"                   "_BHRfS_M" at 65600
 * A @blockSize below 512 skips the checks at LBA 1.
 */
const char *
virStorageVaaiDetectSignature(const uint8_t *buf,
                              size_t len,
                              uint32_t blockSize);
