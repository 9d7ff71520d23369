/*
 * storage_vaai_format.c: encoding and decoding the on-LUN records of a
 * vaai pool, version 1 (docs/format.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_format.h"
#include "storage_vaai_crc32c.h"
#include "virscsibytes.h"

G_STATIC_ASSERT(sizeof(VIR_STORAGE_VAAI_HEADER_MAGIC) - 1 == 8);
G_STATIC_ASSERT(sizeof(VIR_STORAGE_VAAI_LEASE_MAGIC) - 1 == 4);
G_STATIC_ASSERT(sizeof(VIR_STORAGE_VAAI_HEARTBEAT_MAGIC) - 1 == 4);
G_STATIC_ASSERT(sizeof(VIR_STORAGE_VAAI_VOLRECORD_MAGIC) - 1 == 4);
G_STATIC_ASSERT(VIR_STORAGE_VAAI_VOLRECORD_LEN <= VIR_STORAGE_VAAI_BLOCK_SIZE_MIN);
G_STATIC_ASSERT(VIR_STORAGE_VAAI_HEADER_LEN <= VIR_STORAGE_VAAI_BLOCK_SIZE_MIN);

/* Record offsets from docs/format.md, kept here to be checked against it. */
enum {
    HDR_MAGIC = 0,
    HDR_VERSION = 8,
    HDR_FORMAT_MAJOR = 9,
    HDR_FORMAT_MINOR = 10,
    HDR_COMPAT = 12,
    HDR_RO_COMPAT = 16,
    HDR_INCOMPAT = 20,
    HDR_POOL_UUID = 24,
    HDR_BLOCK_SIZE = 40,
    HDR_EXTENT_ALIGNMENT = 44,
    HDR_CAPACITY = 48,
    HDR_LEASE_LBA = 56,
    HDR_HEARTBEAT_LBA = 64,
    HDR_HEARTBEAT_SLOTS = 72,
    HDR_VOLUME_RECORDS = 76,
    HDR_VOLUME_TABLE_LBA = 80,
    HDR_DATA_LBA = 88,
    HDR_DATA_END_LBA = 96,
    HDR_FORMAT_HOST_UUID = 104,
    HDR_FORMAT_TIME = 120,
    HDR_LEASE_TIMEOUT = 128,
    HDR_HEARTBEAT_INTERVAL = 136,
    HDR_NAME = 144,
    HDR_CRC = VIR_STORAGE_VAAI_HEADER_CRC_OFFSET,
};

enum {
    LEASE_MAGIC = 0,
    LEASE_VERSION = 4,
    LEASE_RESERVED1 = 5,        /* 3 bytes */
    LEASE_OWNER = 8,
    LEASE_INCARNATION = 24,
    LEASE_SLOT = 32,
    LEASE_RESERVED2 = 36,       /* 4 bytes */
    LEASE_GENERATION = 40,
    LEASE_ACQUIRED_AT = 48,
    LEASE_CRC = VIR_STORAGE_VAAI_LEASE_CRC_OFFSET,
    /* version 2 */
    LEASE_RESERVED3 = 60,       /* 4 bytes */
    LEASE_TABLE_GENERATION = 64,
    LEASE_JOURNAL = 72,         /* VIR_STORAGE_VAAI_JOURNAL_LEN x 4 bytes */
    LEASE_V2_END = LEASE_JOURNAL + 4 * VIR_STORAGE_VAAI_JOURNAL_LEN,
};

enum {
    HB_MAGIC = 0,
    HB_VERSION = 4,
    HB_RESERVED = 5,            /* 3 bytes */
    HB_HOST = 8,
    HB_INCARNATION = 24,
    HB_COUNTER = 32,
    HB_RENEWED_AT = 40,
    HB_HOST_NAME = 48,
    HB_CRC = VIR_STORAGE_VAAI_HEARTBEAT_CRC_OFFSET,
};

enum {
    VOL_MAGIC = 0,
    VOL_VERSION = 4,
    VOL_STATE = 5,
    VOL_FLAGS = 6,
    VOL_SEQUENCE = 8,
    VOL_UUID = 16,
    VOL_EXTENT_START = 32,
    VOL_EXTENT_LENGTH = 40,
    VOL_CAPACITY = 48,
    VOL_PARENT_UUID = 56,
    VOL_PARENT_POOL_UUID = 72,
    VOL_CREATED_AT = 88,
    VOL_MODIFIED_AT = 96,
    VOL_WORKER_UUID = 104,
    VOL_WORKER_INCARNATION = 120,
    VOL_PROGRESS = 128,
    VOL_INTENT_START = 136,
    VOL_INTENT_LENGTH = 144,
    VOL_INTENT_CAPACITY = 152,
    VOL_NAME = 160,
    VOL_CRC = VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
};

enum {
    USE_MAGIC = 0,
    USE_VERSION = 4,
    USE_RESERVED1 = 5,          /* 3 bytes */
    USE_GENERATION = 8,
    USE_VOLUME = 16,
    USE_COUNT = 32,
    USE_RESERVED2 = 33,         /* 7 bytes */
    USE_HOLDERS = 40,           /* 8 of USE_HOLDER_LEN */
    USE_HOLDER_HOST = 0,
    USE_HOLDER_INCARNATION = 16,
    USE_HOLDER_OWNER = 24,
    USE_HOLDER_MODE = 40,
    USE_HOLDER_RESERVED = 41,   /* 7 bytes */
    USE_HOLDER_SINCE = 48,
    USE_HOLDER_LEN = 56,
    USE_CRC = VIR_STORAGE_VAAI_INUSE_CRC_OFFSET,
};

G_STATIC_ASSERT(USE_HOLDERS + VIR_STORAGE_VAAI_INUSE_HOLDERS * USE_HOLDER_LEN == USE_CRC);
G_STATIC_ASSERT(VIR_STORAGE_VAAI_INUSE_LEN <= VIR_STORAGE_VAAI_BLOCK_SIZE_MIN);
G_STATIC_ASSERT(HDR_NAME + VIR_STORAGE_VAAI_POOL_NAME_SIZE == HDR_CRC);
G_STATIC_ASSERT(HB_HOST_NAME + VIR_STORAGE_VAAI_HOST_NAME_SIZE == HB_CRC);
G_STATIC_ASSERT(VOL_NAME + VIR_STORAGE_VAAI_VOL_NAME_SIZE == VOL_CRC);


GQuark
virStorageVaaiErrorQuark(void)
{
    return g_quark_from_static_string("vir-storage-vaai-error-quark");
}


const char *
virStorageVaaiRecordStatusName(virStorageVaaiRecordStatus status)
{
    switch (status) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        return "empty";
    case VIR_STORAGE_VAAI_RECORD_VALID:
        return "valid";
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
        return "corrupt";
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
        return "foreign";
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        return "unknown version";
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        break;
    }
    return "unknown";
}


const char *
virStorageVaaiVolStateName(virStorageVaaiVolState state)
{
    switch (state) {
    case VIR_STORAGE_VAAI_VOL_FREE:
        return "free";
    case VIR_STORAGE_VAAI_VOL_CREATING:
        return "creating";
    case VIR_STORAGE_VAAI_VOL_READY:
        return "ready";
    case VIR_STORAGE_VAAI_VOL_DELETING:
        return "deleting";
    case VIR_STORAGE_VAAI_VOL_RESIZING:
        return "resizing";
    case VIR_STORAGE_VAAI_VOL_CLONING:
        return "cloning";
    case VIR_STORAGE_VAAI_VOL_WIPING:
        return "wiping";
    case VIR_STORAGE_VAAI_VOL_BROKEN:
        return "broken";
    case VIR_STORAGE_VAAI_VOL_RELEASING:
        return "releasing";
    case VIR_STORAGE_VAAI_VOL_STATE_LAST:
        break;
    }
    return "unknown";
}


/* ---- Shared helpers ---- */

static bool
virStorageVaaiIsZero(const uint8_t *p,
                     size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i])
            return false;
    }
    return true;
}


static bool
virStorageVaaiBlockSizeOK(size_t blockSize,
                          GError **error)
{
    if (blockSize < VIR_STORAGE_VAAI_BLOCK_SIZE_MIN ||
        blockSize > VIR_STORAGE_VAAI_BLOCK_SIZE_MAX ||
        (blockSize & (blockSize - 1)) != 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "unsupported block size %zu: need a power of two "
                    "from %d to %d", blockSize,
                    VIR_STORAGE_VAAI_BLOCK_SIZE_MIN,
                    VIR_STORAGE_VAAI_BLOCK_SIZE_MAX);
        return false;
    }
    return true;
}


/* The record version a structure asks for: 0 means "the one we write". */
static bool
virStorageVaaiVersionOK(uint8_t version,
                        const char *what,
                        GError **error)
{
    if (version != 0 && version != VIR_STORAGE_VAAI_RECORD_VERSION) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "cannot write a %s of record version %u: only version %d",
                    what, version, VIR_STORAGE_VAAI_RECORD_VERSION);
        return false;
    }
    return true;
}


/* CRC32C of the whole block with the 4 bytes at @crcOffset taken as zero. */
static uint32_t
virStorageVaaiBlockCrc(const uint8_t *block,
                       size_t blockSize,
                       size_t crcOffset)
{
    static const uint8_t zero[4] = { 0 };
    uint32_t crc;

    crc = virStorageVaaiCrc32c(block, crcOffset);
    crc = virStorageVaaiCrc32cExtend(crc, zero, sizeof(zero));
    return virStorageVaaiCrc32cExtend(crc, block + crcOffset + 4,
                                      blockSize - crcOffset - 4);
}


/*
 * Whether @block reads as a whole write: all zeros, or a record of ours
 * whose CRC matches.  Anything else may be a torn read (see
 * virStorageVaaiPoolReadRecords), or a block that really is damaged or
 * foreign, which only reading it again can tell apart.
 */
bool
virStorageVaaiBlockWhole(const uint8_t *block,
                         size_t blockSize)
{
    static const struct {
        const char *magic;
        size_t crcOffset;
    } kinds[] = {
        { VIR_STORAGE_VAAI_HEADER_MAGIC, VIR_STORAGE_VAAI_HEADER_CRC_OFFSET },
        { VIR_STORAGE_VAAI_LEASE_MAGIC, VIR_STORAGE_VAAI_LEASE_CRC_OFFSET },
        { VIR_STORAGE_VAAI_HEARTBEAT_MAGIC, VIR_STORAGE_VAAI_HEARTBEAT_CRC_OFFSET },
        { VIR_STORAGE_VAAI_VOLRECORD_MAGIC, VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET },
        { VIR_STORAGE_VAAI_INUSE_MAGIC, VIR_STORAGE_VAAI_INUSE_CRC_OFFSET },
    };
    size_t i;

    if (!virStorageVaaiBlockSizeOK(blockSize, NULL))
        return false;
    if (virStorageVaaiIsZero(block, blockSize))
        return true;
    for (i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (memcmp(block, kinds[i].magic, strlen(kinds[i].magic)) == 0)
            return virSCSIGetBE32(block + kinds[i].crcOffset) ==
                   virStorageVaaiBlockCrc(block, blockSize, kinds[i].crcOffset);
    }
    return false;
}


/*
 * A string field for the LUN: NUL-terminated inside its @size bytes, valid
 * UTF-8 without control characters (names end up in XML, logs, error
 * messages and terminals), non-empty if @required.  @code is INVALID_ARG
 * when encoding, CORRUPT when decoding.
 */
static bool
virStorageVaaiStringOK(const char *str,
                       size_t size,
                       bool required,
                       const char *what,
                       int code,
                       GError **error)
{
    size_t len = strnlen(str, size);

    if (len == size) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "%s is not NUL-terminated within %zu bytes "
                    "(at most %zu bytes)", what, size, size - 1);
        return false;
    }
    if (required && len == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "%s is empty", what);
        return false;
    }
    if (!g_utf8_validate(str, len, NULL)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "%s is not valid UTF-8", what);
        return false;
    }
    for (; *str; str++) {
        if ((unsigned char)*str < 0x20 || *str == 0x7f) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                        "%s has a control character (0x%02x)", what, (unsigned char)*str);
            return false;
        }
    }
    return true;
}


/*
 * Copies a string field from the block, refusing anything but zeros after
 * the first NUL: such bytes would not survive a rewrite, so a writer that
 * left them did not follow this format.
 */
static bool
virStorageVaaiStringDecode(const uint8_t *field,
                           size_t size,
                           char *out,
                           const char *what,
                           GError **error)
{
    size_t len = strnlen((const char *)field, size);

    if (len < size && !virStorageVaaiIsZero(field + len, size - len)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s has non-zero bytes after its terminating NUL", what);
        return false;
    }
    memcpy(out, field, size);
    return true;
}


static void
virStorageVaaiStringEncode(uint8_t *field,
                           const char *str)
{
    /* The block was zeroed, so this NUL-pads the field. */
    memcpy(field, str, strlen(str));
}


/*
 * The checks every decoder makes before looking at the fields, in the
 * order of the decoder contract in the header file.  Returns VALID when
 * the fields are to be decoded.
 */
static virStorageVaaiRecordStatus
virStorageVaaiBlockClassifyUpTo(const uint8_t *block,
                                size_t blockSize,
                                const char *magic,
                                size_t versionOffset,
                                size_t crcOffset,
                                const char *what,
                                uint8_t maxVersion,
                                uint8_t *version,
                                GError **error)
{
    size_t magicLen = strlen(magic);
    uint32_t stored;
    uint32_t computed;

    *version = 0;

    if (!virStorageVaaiBlockSizeOK(blockSize, error))
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;

    if (virStorageVaaiIsZero(block, blockSize))
        return VIR_STORAGE_VAAI_RECORD_EMPTY;

    if (memcmp(block, magic, magicLen) != 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_FOREIGN,
                    "not a %s: magic is not \"%s\"", what, magic);
        return VIR_STORAGE_VAAI_RECORD_FOREIGN;
    }

    stored = virSCSIGetBE32(block + crcOffset);
    computed = virStorageVaaiBlockCrc(block, blockSize, crcOffset);
    if (stored != computed) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s has a bad CRC: stored 0x%08x, computed 0x%08x",
                    what, stored, computed);
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }

    *version = block[versionOffset];
    if (*version < 1 || *version > maxVersion) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "%s has record version %u, this code knows only 1 to %u",
                    what, *version, maxVersion);
        return VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION;
    }

    /*
     * Version 1 defines every byte after the CRC as zero; anything else
     * there came from a writer that did not follow it.  Later versions put
     * their new fields there, and their decoders check the rest.
     */
    if (*version == 1 &&
        !virStorageVaaiIsZero(block + crcOffset + 4,
                              blockSize - crcOffset - 4)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s has non-zero bytes after its CRC", what);
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }

    return VIR_STORAGE_VAAI_RECORD_VALID;
}


static virStorageVaaiRecordStatus
virStorageVaaiBlockClassify(const uint8_t *block,
                            size_t blockSize,
                            const char *magic,
                            size_t versionOffset,
                            size_t crcOffset,
                            const char *what,
                            uint8_t *version,
                            GError **error)
{
    return virStorageVaaiBlockClassifyUpTo(block, blockSize, magic, versionOffset,
                                           crcOffset, what, VIR_STORAGE_VAAI_RECORD_VERSION,
                                           version, error);
}


static bool
virStorageVaaiReservedOK(const uint8_t *block,
                         size_t offset,
                         size_t len,
                         const char *what,
                         GError **error)
{
    if (!virStorageVaaiIsZero(block + offset, len)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "%s has non-zero reserved bytes at offset %zu",
                    what, offset);
        return false;
    }
    return true;
}


static void
virStorageVaaiSealBlock(uint8_t *block,
                        size_t blockSize,
                        size_t crcOffset)
{
    virSCSIPutBE32(block + crcOffset,
                   virStorageVaaiBlockCrc(block, blockSize, crcOffset));
}


/* ---- Header ---- */

typedef struct {
    const char *name;
    uint64_t start;
    uint64_t length;
} virStorageVaaiRegion;


static bool
virStorageVaaiHeaderCheck(const virStorageVaaiHeader *h,
                          size_t blockSize,
                          int code,
                          GError **error)
{
    virStorageVaaiRegion regions[] = {
        { "headers", 0, 2 },
        { "lease", h->leaseLba, 1 },
        { "heartbeat area", h->heartbeatLba, h->heartbeatSlots },
        { "volume table", h->volumeTableLba, h->volumeRecords },
        { "in-use area", h->volumeTableLba + h->volumeRecords, 0 },
        { "data area", h->dataLba, 0 },
    };
    size_t i;
    size_t j;

    /*
     * Format versions start at 1; a 0 is a structure nobody filled in,
     * and a pool written with it could never be opened.
     */
    if (h->formatMajor == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header format major version is 0");
        return false;
    }
    if (h->blockSize != blockSize) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header block size %u does not match the LUN's %zu",
                    h->blockSize, blockSize);
        return false;
    }
    if (h->extentAlignment == 0 ||
        (h->extentAlignment & (h->extentAlignment - 1)) != 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header extent alignment %u is not a power of two",
                    h->extentAlignment);
        return false;
    }
    if (h->heartbeatSlots == 0 || h->volumeRecords == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header has %u heartbeat slots and %u volume "
                    "records: need at least one of each",
                    h->heartbeatSlots, h->volumeRecords);
        return false;
    }
    if (h->heartbeatSlots > VIR_STORAGE_VAAI_HEARTBEAT_SLOTS_MAX ||
        h->volumeRecords > VIR_STORAGE_VAAI_VOLUME_RECORDS_MAX ||
        (uint64_t)h->volumeRecords * blockSize > VIR_STORAGE_VAAI_TABLE_BYTES_MAX) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header has %u heartbeat slots and %u volume records: "
                    "at most %u slots and %u records (%u MiB of table) are allowed",
                    h->heartbeatSlots, h->volumeRecords,
                    VIR_STORAGE_VAAI_HEARTBEAT_SLOTS_MAX,
                    VIR_STORAGE_VAAI_VOLUME_RECORDS_MAX,
                    VIR_STORAGE_VAAI_TABLE_BYTES_MAX / (1024 * 1024));
        return false;
    }
    /* Every LBA of the pool times the block size must fit 64 bits: byte
     * offsets of extents (device-mapper tables, iSCSI slices) are
     * computed from them, and a record's extent lies inside the pool. */
    if (h->capacity > UINT64_MAX / blockSize) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header capacity of %" G_GUINT64_FORMAT " blocks of %zu "
                    "bytes does not fit 64 bits of bytes",
                    (guint64)h->capacity, blockSize);
        return false;
    }
    if (h->dataEndLba < h->dataLba) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header data area ends (%" G_GUINT64_FORMAT
                    ") before it starts (%" G_GUINT64_FORMAT ")",
                    (guint64)h->dataEndLba, (guint64)h->dataLba);
        return false;
    }
    regions[G_N_ELEMENTS(regions) - 1].length = h->dataEndLba - h->dataLba;
    /* The table lies inside capacity (checked below), so its end does not
     * wrap; the area is checked against capacity like every region. */
    if (h->roCompat & VIR_STORAGE_VAAI_RO_COMPAT_INUSE)
        regions[G_N_ELEMENTS(regions) - 2].length = h->volumeRecords;

    if (h->dataLba % h->extentAlignment != 0 &&
        !(h->incompat & VIR_STORAGE_VAAI_INCOMPAT_DATA_OFFSET)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header data area LBA %" G_GUINT64_FORMAT
                    " is not aligned to the extent alignment %u",
                    (guint64)h->dataLba, h->extentAlignment);
        return false;
    }

    for (i = 0; i < G_N_ELEMENTS(regions); i++) {
        const virStorageVaaiRegion *r = &regions[i];

        if (r->start > h->capacity || r->length > h->capacity - r->start) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                        "pool header %s (LBA %" G_GUINT64_FORMAT ", %"
                        G_GUINT64_FORMAT " blocks) lies beyond the capacity "
                        "of %" G_GUINT64_FORMAT " blocks",
                        r->name, (guint64)r->start, (guint64)r->length,
                        (guint64)h->capacity);
            return false;
        }
    }

    for (i = 0; i < G_N_ELEMENTS(regions); i++) {
        for (j = i + 1; j < G_N_ELEMENTS(regions); j++) {
            const virStorageVaaiRegion *a = &regions[i];
            const virStorageVaaiRegion *b = &regions[j];

            /* Both end within capacity, so the sums cannot overflow. */
            if (a->length && b->length &&
                a->start < b->start + b->length &&
                b->start < a->start + a->length) {
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                            "pool header %s and %s overlap",
                            a->name, b->name);
                return false;
            }
        }
    }

    if (h->heartbeatIntervalMs == 0 ||
        h->heartbeatIntervalMs >= h->leaseTimeoutMs) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header heartbeat interval %" G_GUINT64_FORMAT
                    " ms must be non-zero and below the lease timeout %"
                    G_GUINT64_FORMAT " ms",
                    (guint64)h->heartbeatIntervalMs,
                    (guint64)h->leaseTimeoutMs);
        return false;
    }

    if (virStorageVaaiIsZero(h->poolUuid, sizeof(h->poolUuid)) ||
        virStorageVaaiIsZero(h->formatHostUuid, sizeof(h->formatHostUuid))) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "pool header has an all-zero pool or host UUID");
        return false;
    }

    return virStorageVaaiStringOK(h->name, sizeof(h->name), true,
                                  "pool name", code, error);
}


int
virStorageVaaiHeaderEncode(const virStorageVaaiHeader *rec,
                           uint8_t *block,
                           size_t blockSize,
                           GError **error)
{
    if (!virStorageVaaiBlockSizeOK(blockSize, error) ||
        !virStorageVaaiVersionOK(rec->version, "pool header", error) ||
        !virStorageVaaiHeaderCheck(rec, blockSize,
                                   VIR_STORAGE_VAAI_ERROR_INVALID_ARG, error))
        return -1;

    memset(block, 0, blockSize);
    memcpy(block + HDR_MAGIC, VIR_STORAGE_VAAI_HEADER_MAGIC, 8);
    block[HDR_VERSION] = VIR_STORAGE_VAAI_RECORD_VERSION;
    block[HDR_FORMAT_MAJOR] = rec->formatMajor;
    virSCSIPutBE16(block + HDR_FORMAT_MINOR, rec->formatMinor);
    virSCSIPutBE32(block + HDR_COMPAT, rec->compat);
    virSCSIPutBE32(block + HDR_RO_COMPAT, rec->roCompat);
    virSCSIPutBE32(block + HDR_INCOMPAT, rec->incompat);
    memcpy(block + HDR_POOL_UUID, rec->poolUuid, VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE32(block + HDR_BLOCK_SIZE, rec->blockSize);
    virSCSIPutBE32(block + HDR_EXTENT_ALIGNMENT, rec->extentAlignment);
    virSCSIPutBE64(block + HDR_CAPACITY, rec->capacity);
    virSCSIPutBE64(block + HDR_LEASE_LBA, rec->leaseLba);
    virSCSIPutBE64(block + HDR_HEARTBEAT_LBA, rec->heartbeatLba);
    virSCSIPutBE32(block + HDR_HEARTBEAT_SLOTS, rec->heartbeatSlots);
    virSCSIPutBE32(block + HDR_VOLUME_RECORDS, rec->volumeRecords);
    virSCSIPutBE64(block + HDR_VOLUME_TABLE_LBA, rec->volumeTableLba);
    virSCSIPutBE64(block + HDR_DATA_LBA, rec->dataLba);
    virSCSIPutBE64(block + HDR_DATA_END_LBA, rec->dataEndLba);
    memcpy(block + HDR_FORMAT_HOST_UUID, rec->formatHostUuid,
           VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + HDR_FORMAT_TIME, rec->formatTime);
    virSCSIPutBE64(block + HDR_LEASE_TIMEOUT, rec->leaseTimeoutMs);
    virSCSIPutBE64(block + HDR_HEARTBEAT_INTERVAL, rec->heartbeatIntervalMs);
    virStorageVaaiStringEncode(block + HDR_NAME, rec->name);
    virStorageVaaiSealBlock(block, blockSize, HDR_CRC);
    return 0;
}


virStorageVaaiRecordStatus
virStorageVaaiHeaderDecode(const uint8_t *block,
                           size_t blockSize,
                           virStorageVaaiHeader *out,
                           GError **error)
{
    virStorageVaaiRecordStatus status;
    uint8_t version;

    memset(out, 0, sizeof(*out));

    status = virStorageVaaiBlockClassify(block, blockSize,
                                         VIR_STORAGE_VAAI_HEADER_MAGIC,
                                         HDR_VERSION, HDR_CRC,
                                         "pool header", &version, error);
    if (status == VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION)
        out->version = version;
    if (status != VIR_STORAGE_VAAI_RECORD_VALID)
        return status;

    out->version = version;
    out->formatMajor = block[HDR_FORMAT_MAJOR];
    out->formatMinor = virSCSIGetBE16(block + HDR_FORMAT_MINOR);
    out->compat = virSCSIGetBE32(block + HDR_COMPAT);
    out->roCompat = virSCSIGetBE32(block + HDR_RO_COMPAT);
    out->incompat = virSCSIGetBE32(block + HDR_INCOMPAT);
    memcpy(out->poolUuid, block + HDR_POOL_UUID, VIR_STORAGE_VAAI_UUID_LEN);
    out->blockSize = virSCSIGetBE32(block + HDR_BLOCK_SIZE);
    out->extentAlignment = virSCSIGetBE32(block + HDR_EXTENT_ALIGNMENT);
    out->capacity = virSCSIGetBE64(block + HDR_CAPACITY);
    out->leaseLba = virSCSIGetBE64(block + HDR_LEASE_LBA);
    out->heartbeatLba = virSCSIGetBE64(block + HDR_HEARTBEAT_LBA);
    out->heartbeatSlots = virSCSIGetBE32(block + HDR_HEARTBEAT_SLOTS);
    out->volumeRecords = virSCSIGetBE32(block + HDR_VOLUME_RECORDS);
    out->volumeTableLba = virSCSIGetBE64(block + HDR_VOLUME_TABLE_LBA);
    out->dataLba = virSCSIGetBE64(block + HDR_DATA_LBA);
    out->dataEndLba = virSCSIGetBE64(block + HDR_DATA_END_LBA);
    memcpy(out->formatHostUuid, block + HDR_FORMAT_HOST_UUID,
           VIR_STORAGE_VAAI_UUID_LEN);
    out->formatTime = virSCSIGetBE64(block + HDR_FORMAT_TIME);
    out->leaseTimeoutMs = virSCSIGetBE64(block + HDR_LEASE_TIMEOUT);
    out->heartbeatIntervalMs = virSCSIGetBE64(block + HDR_HEARTBEAT_INTERVAL);

    if (!virStorageVaaiStringDecode(block + HDR_NAME, sizeof(out->name),
                                    out->name, "pool name", error) ||
        !virStorageVaaiHeaderCheck(out, blockSize,
                                   VIR_STORAGE_VAAI_ERROR_CORRUPT, error)) {
        memset(out, 0, sizeof(*out));
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }

    return VIR_STORAGE_VAAI_RECORD_VALID;
}


uint64_t
virStorageVaaiHeaderInUseLba(const virStorageVaaiHeader *h)
{
    if (!(h->roCompat & VIR_STORAGE_VAAI_RO_COMPAT_INUSE))
        return 0;
    return h->volumeTableLba + h->volumeRecords;
}


bool
virStorageVaaiHeaderCompatOK(const virStorageVaaiHeader *h,
                             bool forWrite,
                             GError **error)
{
    uint32_t unknown;

    /* A new major version is the one change no flag can describe. */
    if (h->formatMajor != VIR_STORAGE_VAAI_FORMAT_MAJOR) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "pool format version %u.%u: this code knows only %d.x",
                    h->formatMajor, h->formatMinor,
                    VIR_STORAGE_VAAI_FORMAT_MAJOR);
        return false;
    }

    unknown = h->incompat & ~VIR_STORAGE_VAAI_INCOMPAT_KNOWN;
    if (unknown) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "pool uses incompatible features 0x%08x unknown to this "
                    "code: it cannot be opened", unknown);
        return false;
    }

    unknown = h->roCompat & ~VIR_STORAGE_VAAI_RO_COMPAT_KNOWN;
    if (forWrite && unknown) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR,
                    VIR_STORAGE_VAAI_ERROR_UNSUPPORTED,
                    "pool uses read-only compatible features 0x%08x unknown "
                    "to this code: it can be opened only read-only", unknown);
        return false;
    }

    /* Unknown compat bits are, by definition, safe to ignore. */
    return true;
}


/* ---- Metadata lease ---- */

int
virStorageVaaiLeaseEncode(const virStorageVaaiLease *rec,
                          uint8_t *block,
                          size_t blockSize,
                          GError **error)
{
    size_t i;

    if (!virStorageVaaiBlockSizeOK(blockSize, error))
        return -1;
    if (rec->version != VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL &&
        !virStorageVaaiVersionOK(rec->version, "lease", error))
        return -1;

    memset(block, 0, blockSize);
    memcpy(block + LEASE_MAGIC, VIR_STORAGE_VAAI_LEASE_MAGIC, 4);
    block[LEASE_VERSION] = rec->version ? rec->version : VIR_STORAGE_VAAI_RECORD_VERSION;
    if (rec->version == VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL) {
        virSCSIPutBE64(block + LEASE_TABLE_GENERATION, rec->tableGeneration);
        for (i = 0; i < VIR_STORAGE_VAAI_JOURNAL_LEN; i++)
            virSCSIPutBE32(block + LEASE_JOURNAL + 4 * i, rec->journal[i]);
    }
    memcpy(block + LEASE_OWNER, rec->owner, VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + LEASE_INCARNATION, rec->ownerIncarnation);
    virSCSIPutBE32(block + LEASE_SLOT, rec->ownerSlot);
    virSCSIPutBE64(block + LEASE_GENERATION, rec->generation);
    virSCSIPutBE64(block + LEASE_ACQUIRED_AT, rec->acquiredAt);
    virStorageVaaiSealBlock(block, blockSize, LEASE_CRC);
    return 0;
}


virStorageVaaiRecordStatus
virStorageVaaiLeaseDecode(const uint8_t *block,
                          size_t blockSize,
                          virStorageVaaiLease *out,
                          GError **error)
{
    virStorageVaaiRecordStatus status;
    uint8_t version;

    memset(out, 0, sizeof(*out));

    size_t i;

    status = virStorageVaaiBlockClassifyUpTo(block, blockSize,
                                             VIR_STORAGE_VAAI_LEASE_MAGIC,
                                             LEASE_VERSION, LEASE_CRC, "lease",
                                             VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL,
                                             &version, error);
    if (status == VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION)
        out->version = version;
    if (status != VIR_STORAGE_VAAI_RECORD_VALID)
        return status;

    if (!virStorageVaaiReservedOK(block, LEASE_RESERVED1, 3, "lease", error) ||
        !virStorageVaaiReservedOK(block, LEASE_RESERVED2, 4, "lease", error))
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    if (version == VIR_STORAGE_VAAI_LEASE_VERSION_JOURNAL) {
        /* The block size check let in no block too small for the journal. */
        G_STATIC_ASSERT(LEASE_V2_END <= VIR_STORAGE_VAAI_BLOCK_SIZE_MIN);
        if (!virStorageVaaiReservedOK(block, LEASE_RESERVED3, 4, "lease", error) ||
            !virStorageVaaiReservedOK(block, LEASE_V2_END, blockSize - LEASE_V2_END,
                                      "lease", error))
            return VIR_STORAGE_VAAI_RECORD_CORRUPT;
        out->tableGeneration = virSCSIGetBE64(block + LEASE_TABLE_GENERATION);
        for (i = 0; i < VIR_STORAGE_VAAI_JOURNAL_LEN; i++)
            out->journal[i] = virSCSIGetBE32(block + LEASE_JOURNAL + 4 * i);
    }

    out->version = version;
    memcpy(out->owner, block + LEASE_OWNER, VIR_STORAGE_VAAI_UUID_LEN);
    out->ownerIncarnation = virSCSIGetBE64(block + LEASE_INCARNATION);
    out->ownerSlot = virSCSIGetBE32(block + LEASE_SLOT);
    out->generation = virSCSIGetBE64(block + LEASE_GENERATION);
    out->acquiredAt = virSCSIGetBE64(block + LEASE_ACQUIRED_AT);
    return VIR_STORAGE_VAAI_RECORD_VALID;
}


bool
virStorageVaaiLeaseIsFree(const virStorageVaaiLease *rec)
{
    return virStorageVaaiIsZero(rec->owner, sizeof(rec->owner));
}


char *
virStorageVaaiUuidFormat(const uint8_t *uuid)
{
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5],
                           uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
                           uuid[12], uuid[13], uuid[14], uuid[15]);
}


bool
virStorageVaaiUuidParse(const char *str,
                        uint8_t *uuid)
{
    size_t n = 0;
    const char *p;

    for (p = str; *p && n < 2 * VIR_STORAGE_VAAI_UUID_LEN; p++) {
        if (*p == '-')
            continue;
        if (!g_ascii_isxdigit(*p))
            return false;
        if (n % 2 == 0)
            uuid[n / 2] = g_ascii_xdigit_value(*p) << 4;
        else
            uuid[n / 2] |= g_ascii_xdigit_value(*p);
        n++;
    }
    return n == 2 * VIR_STORAGE_VAAI_UUID_LEN && *p == '\0';
}


/* ---- In-use record ---- */

bool
virStorageVaaiInUseHolderIs(const virStorageVaaiInUseHolder *h,
                            const virStorageVaaiInUseHolder *who)
{
    return memcmp(h->host, who->host, VIR_STORAGE_VAAI_UUID_LEN) == 0 &&
           h->incarnation == who->incarnation &&
           memcmp(h->owner, who->owner, VIR_STORAGE_VAAI_UUID_LEN) == 0;
}


/* The rules of the header file's comment; @code: the error to set. */
static bool
virStorageVaaiInUseCheck(const virStorageVaaiInUse *rec,
                         virStorageVaaiErrorCode code,
                         GError **error)
{
    size_t modes[VIR_STORAGE_VAAI_INUSE_INCOMING + 1] = { 0 };
    size_t i;
    size_t j;

    if (rec->count > VIR_STORAGE_VAAI_INUSE_HOLDERS) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "in-use record: %u holders, at most %d", rec->count,
                    VIR_STORAGE_VAAI_INUSE_HOLDERS);
        return false;
    }
    if (rec->count && virStorageVaaiIsZero(rec->volume, sizeof(rec->volume))) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "in-use record: %u holders of no volume", rec->count);
        return false;
    }
    for (i = 0; i < VIR_STORAGE_VAAI_INUSE_HOLDERS; i++) {
        const virStorageVaaiInUseHolder *h = &rec->holders[i];

        if (i >= rec->count) {
            if (!virStorageVaaiIsZero(h->host, sizeof(h->host)) ||
                !virStorageVaaiIsZero(h->owner, sizeof(h->owner)) ||
                h->incarnation || h->mode || h->since) {
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                            "in-use record: holder %zu past the count %u is not empty",
                            i, rec->count);
                return false;
            }
            continue;
        }
        if (virStorageVaaiIsZero(h->host, sizeof(h->host)) ||
            h->mode == VIR_STORAGE_VAAI_INUSE_NONE || h->mode > VIR_STORAGE_VAAI_INUSE_INCOMING) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                        "in-use record: holder %zu has no host or mode %u", i, h->mode);
            return false;
        }
        modes[h->mode]++;
        for (j = 0; j < i; j++) {
            if (virStorageVaaiInUseHolderIs(&rec->holders[j], h)) {
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                            "in-use record: holders %zu and %zu are one holder", j, i);
                return false;
            }
        }
    }
    for (i = 0; i < rec->count; i++) {
        for (j = 0; j < rec->count; j++) {
            if (rec->holders[i].mode == VIR_STORAGE_VAAI_INUSE_EXCLUSIVE &&
                rec->holders[j].mode == VIR_STORAGE_VAAI_INUSE_INCOMING &&
                memcmp(rec->holders[i].owner, rec->holders[j].owner,
                       VIR_STORAGE_VAAI_UUID_LEN) != 0) {
                g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                            "in-use record: incoming holder %zu is not the "
                            "exclusive holder %zu's owner migrating", j, i);
                return false;
            }
        }
    }
    if (modes[VIR_STORAGE_VAAI_INUSE_EXCLUSIVE] > 1 || modes[VIR_STORAGE_VAAI_INUSE_INCOMING] > 1 ||
        (modes[VIR_STORAGE_VAAI_INUSE_SHARED] &&
         (modes[VIR_STORAGE_VAAI_INUSE_EXCLUSIVE] || modes[VIR_STORAGE_VAAI_INUSE_INCOMING]))) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "in-use record: %zu exclusive, %zu shared and %zu incoming holders "
                    "cannot hold a volume together",
                    modes[VIR_STORAGE_VAAI_INUSE_EXCLUSIVE], modes[VIR_STORAGE_VAAI_INUSE_SHARED],
                    modes[VIR_STORAGE_VAAI_INUSE_INCOMING]);
        return false;
    }
    return true;
}


int
virStorageVaaiInUseEncode(const virStorageVaaiInUse *rec,
                          uint8_t *block,
                          size_t blockSize,
                          GError **error)
{
    size_t i;

    if (!virStorageVaaiBlockSizeOK(blockSize, error) ||
        !virStorageVaaiVersionOK(rec->version, "in-use record", error) ||
        !virStorageVaaiInUseCheck(rec, VIR_STORAGE_VAAI_ERROR_INVALID_ARG, error))
        return -1;

    memset(block, 0, blockSize);
    memcpy(block + USE_MAGIC, VIR_STORAGE_VAAI_INUSE_MAGIC, 4);
    block[USE_VERSION] = VIR_STORAGE_VAAI_RECORD_VERSION;
    virSCSIPutBE64(block + USE_GENERATION, rec->generation);
    memcpy(block + USE_VOLUME, rec->volume, VIR_STORAGE_VAAI_UUID_LEN);
    block[USE_COUNT] = rec->count;
    for (i = 0; i < rec->count; i++) {
        uint8_t *p = block + USE_HOLDERS + i * USE_HOLDER_LEN;
        const virStorageVaaiInUseHolder *h = &rec->holders[i];

        memcpy(p + USE_HOLDER_HOST, h->host, VIR_STORAGE_VAAI_UUID_LEN);
        virSCSIPutBE64(p + USE_HOLDER_INCARNATION, h->incarnation);
        memcpy(p + USE_HOLDER_OWNER, h->owner, VIR_STORAGE_VAAI_UUID_LEN);
        p[USE_HOLDER_MODE] = h->mode;
        virSCSIPutBE64(p + USE_HOLDER_SINCE, h->since);
    }
    virStorageVaaiSealBlock(block, blockSize, USE_CRC);
    return 0;
}


virStorageVaaiRecordStatus
virStorageVaaiInUseDecode(const uint8_t *block,
                          size_t blockSize,
                          virStorageVaaiInUse *out,
                          GError **error)
{
    virStorageVaaiInUse rec = { 0 };
    virStorageVaaiRecordStatus status;
    uint8_t version;
    size_t i;

    memset(out, 0, sizeof(*out));

    status = virStorageVaaiBlockClassify(block, blockSize,
                                         VIR_STORAGE_VAAI_INUSE_MAGIC,
                                         USE_VERSION, USE_CRC,
                                         "in-use record", &version, error);
    if (status == VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION)
        out->version = version;
    if (status != VIR_STORAGE_VAAI_RECORD_VALID)
        return status;

    if (!virStorageVaaiReservedOK(block, USE_RESERVED1, 3, "in-use record", error) ||
        !virStorageVaaiReservedOK(block, USE_RESERVED2, 7, "in-use record", error))
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;

    rec.version = version;
    rec.generation = virSCSIGetBE64(block + USE_GENERATION);
    memcpy(rec.volume, block + USE_VOLUME, VIR_STORAGE_VAAI_UUID_LEN);
    rec.count = block[USE_COUNT];
    for (i = 0; i < VIR_STORAGE_VAAI_INUSE_HOLDERS; i++) {
        const uint8_t *p = block + USE_HOLDERS + i * USE_HOLDER_LEN;
        virStorageVaaiInUseHolder *h = &rec.holders[i];

        if (!virStorageVaaiReservedOK(p, USE_HOLDER_RESERVED, 7, "in-use record", error))
            return VIR_STORAGE_VAAI_RECORD_CORRUPT;
        memcpy(h->host, p + USE_HOLDER_HOST, VIR_STORAGE_VAAI_UUID_LEN);
        h->incarnation = virSCSIGetBE64(p + USE_HOLDER_INCARNATION);
        memcpy(h->owner, p + USE_HOLDER_OWNER, VIR_STORAGE_VAAI_UUID_LEN);
        h->mode = p[USE_HOLDER_MODE];
        h->since = virSCSIGetBE64(p + USE_HOLDER_SINCE);
    }
    if (!virStorageVaaiInUseCheck(&rec, VIR_STORAGE_VAAI_ERROR_CORRUPT, error))
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    *out = rec;
    return VIR_STORAGE_VAAI_RECORD_VALID;
}


/* ---- Heartbeat slot ---- */

int
virStorageVaaiHeartbeatEncode(const virStorageVaaiHeartbeat *rec,
                              uint8_t *block,
                              size_t blockSize,
                              GError **error)
{
    if (!virStorageVaaiBlockSizeOK(blockSize, error) ||
        !virStorageVaaiVersionOK(rec->version, "heartbeat slot", error) ||
        !virStorageVaaiStringOK(rec->hostName, sizeof(rec->hostName), false,
                                "host name", VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                                error))
        return -1;

    memset(block, 0, blockSize);
    memcpy(block + HB_MAGIC, VIR_STORAGE_VAAI_HEARTBEAT_MAGIC, 4);
    block[HB_VERSION] = VIR_STORAGE_VAAI_RECORD_VERSION;
    memcpy(block + HB_HOST, rec->host, VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + HB_INCARNATION, rec->incarnation);
    virSCSIPutBE64(block + HB_COUNTER, rec->counter);
    virSCSIPutBE64(block + HB_RENEWED_AT, rec->renewedAt);
    virStorageVaaiStringEncode(block + HB_HOST_NAME, rec->hostName);
    virStorageVaaiSealBlock(block, blockSize, HB_CRC);
    return 0;
}


virStorageVaaiRecordStatus
virStorageVaaiHeartbeatDecode(const uint8_t *block,
                              size_t blockSize,
                              virStorageVaaiHeartbeat *out,
                              GError **error)
{
    virStorageVaaiRecordStatus status;
    uint8_t version;

    memset(out, 0, sizeof(*out));

    status = virStorageVaaiBlockClassify(block, blockSize,
                                         VIR_STORAGE_VAAI_HEARTBEAT_MAGIC,
                                         HB_VERSION, HB_CRC,
                                         "heartbeat slot", &version, error);
    if (status == VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION)
        out->version = version;
    if (status != VIR_STORAGE_VAAI_RECORD_VALID)
        return status;

    if (!virStorageVaaiReservedOK(block, HB_RESERVED, 3, "heartbeat slot",
                                  error))
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;

    out->version = version;
    memcpy(out->host, block + HB_HOST, VIR_STORAGE_VAAI_UUID_LEN);
    out->incarnation = virSCSIGetBE64(block + HB_INCARNATION);
    out->counter = virSCSIGetBE64(block + HB_COUNTER);
    out->renewedAt = virSCSIGetBE64(block + HB_RENEWED_AT);

    if (!virStorageVaaiStringDecode(block + HB_HOST_NAME,
                                    sizeof(out->hostName), out->hostName,
                                    "host name", error) ||
        !virStorageVaaiStringOK(out->hostName, sizeof(out->hostName), false,
                                "host name", VIR_STORAGE_VAAI_ERROR_CORRUPT,
                                error)) {
        memset(out, 0, sizeof(*out));
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }

    return VIR_STORAGE_VAAI_RECORD_VALID;
}


bool
virStorageVaaiHeartbeatIsFree(const virStorageVaaiHeartbeat *rec)
{
    return virStorageVaaiIsZero(rec->host, sizeof(rec->host));
}


/* ---- Volume record ---- */

/* Whether @bytes fits in @blocks blocks of @blockSize, without overflow. */
static bool
virStorageVaaiFitsBlocks(uint64_t bytes,
                         uint64_t blocks,
                         size_t blockSize)
{
    if (blocks > UINT64_MAX / blockSize)
        return true;
    return bytes <= blocks * blockSize;
}


static bool
virStorageVaaiVolNameCheck(const char *name,
                           int code,
                           GError **error)
{
    const char *p;

    if (!name || !*name || strlen(name) >= VIR_STORAGE_VAAI_VOL_NAME_SIZE ||
        !g_utf8_validate(name, -1, NULL) ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "invalid volume name '%s': 1 to %d bytes of UTF-8, not '.' or '..'",
                    name ? name : "", VIR_STORAGE_VAAI_VOL_NAME_SIZE - 1);
        return false;
    }
    for (p = name; *p; p++) {
        if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                        "invalid volume name '%s': no '/' or control characters", name);
            return false;
        }
    }
    return true;
}


bool
virStorageVaaiVolNameValid(const char *name,
                           GError **error)
{
    return virStorageVaaiVolNameCheck(name, VIR_STORAGE_VAAI_ERROR_INVALID_ARG, error);
}


static bool
virStorageVaaiVolRecordCheck(const virStorageVaaiVolRecord *v,
                             size_t blockSize,
                             int code,
                             GError **error)
{
    /* The state arrives as a byte: an enum compare catches every value. */
    if ((unsigned int)v->state >= VIR_STORAGE_VAAI_VOL_STATE_LAST) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record state %u is out of range",
                    (unsigned int)v->state);
        return false;
    }
    if (v->flags & ~VIR_STORAGE_VAAI_VOL_FLAGS_KNOWN) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record has unknown flags 0x%04x",
                    v->flags & ~VIR_STORAGE_VAAI_VOL_FLAGS_KNOWN);
        return false;
    }
    if ((v->flags & VIR_STORAGE_VAAI_VOL_FLAG_ZEROED) &&
        (v->flags & VIR_STORAGE_VAAI_VOL_FLAG_THIN)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record is both zeroed on create and never zeroed");
        return false;
    }
    if (v->extentLength > UINT64_MAX - v->extentStart ||
        v->intentExtentLength > UINT64_MAX - v->intentExtentStart) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record extent runs past the last possible LBA");
        return false;
    }
    if (!virStorageVaaiFitsBlocks(v->capacity, v->extentLength, blockSize)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record capacity %" G_GUINT64_FORMAT
                    " bytes exceeds its extent of %" G_GUINT64_FORMAT
                    " blocks of %zu bytes",
                    (guint64)v->capacity, (guint64)v->extentLength,
                    blockSize);
        return false;
    }
    /*
     * An intent without a new extent (a grow within the current extent)
     * is judged by the operation, which knows the current one.
     */
    if (v->intentExtentLength != 0 &&
        !virStorageVaaiFitsBlocks(v->intentCapacity, v->intentExtentLength,
                                  blockSize)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, code,
                    "volume record intended capacity %" G_GUINT64_FORMAT
                    " bytes exceeds its intended extent of %" G_GUINT64_FORMAT
                    " blocks of %zu bytes",
                    (guint64)v->intentCapacity,
                    (guint64)v->intentExtentLength, blockSize);
        return false;
    }

    if (!virStorageVaaiStringOK(v->name, sizeof(v->name),
                                v->state != VIR_STORAGE_VAAI_VOL_FREE,
                                "volume name", code, error))
        return false;
    /* A volume's name, from the LUN too, follows the rules a user's does:
     * it ends up in paths. */
    return !*v->name || virStorageVaaiVolNameCheck(v->name, code, error);
}


bool
virStorageVaaiVolRecordInArea(const virStorageVaaiVolRecord *rec,
                              uint64_t dataLba,
                              uint64_t dataEndLba,
                              GError **error)
{
    /* Decoding refused extents whose end overflows. */
    if (rec->state == VIR_STORAGE_VAAI_VOL_FREE)
        return true;
    if (rec->extentLength == 0 || rec->extentStart < dataLba ||
        rec->extentStart + rec->extentLength > dataEndLba ||
        (rec->intentExtentLength != 0 &&
         (rec->intentExtentStart < dataLba ||
          rec->intentExtentStart + rec->intentExtentLength > dataEndLba))) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CORRUPT,
                    "volume record extent %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                    " (intent %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT ") is not "
                    "inside the data area [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")",
                    (guint64)rec->extentStart, (guint64)rec->extentLength,
                    (guint64)rec->intentExtentStart, (guint64)rec->intentExtentLength,
                    (guint64)dataLba, (guint64)dataEndLba);
        return false;
    }
    return true;
}


int
virStorageVaaiVolRecordEncode(const virStorageVaaiVolRecord *rec,
                              uint8_t *block,
                              size_t blockSize,
                              GError **error)
{
    if (!virStorageVaaiBlockSizeOK(blockSize, error) ||
        !virStorageVaaiVersionOK(rec->version, "volume record", error) ||
        !virStorageVaaiVolRecordCheck(rec, blockSize,
                                      VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                                      error))
        return -1;

    memset(block, 0, blockSize);
    memcpy(block + VOL_MAGIC, VIR_STORAGE_VAAI_VOLRECORD_MAGIC, 4);
    block[VOL_VERSION] = VIR_STORAGE_VAAI_RECORD_VERSION;
    block[VOL_STATE] = rec->state;
    virSCSIPutBE16(block + VOL_FLAGS, rec->flags);
    virSCSIPutBE64(block + VOL_SEQUENCE, rec->sequence);
    memcpy(block + VOL_UUID, rec->uuid, VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + VOL_EXTENT_START, rec->extentStart);
    virSCSIPutBE64(block + VOL_EXTENT_LENGTH, rec->extentLength);
    virSCSIPutBE64(block + VOL_CAPACITY, rec->capacity);
    memcpy(block + VOL_PARENT_UUID, rec->parentUuid, VIR_STORAGE_VAAI_UUID_LEN);
    memcpy(block + VOL_PARENT_POOL_UUID, rec->parentPoolUuid,
           VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + VOL_CREATED_AT, rec->createdAt);
    virSCSIPutBE64(block + VOL_MODIFIED_AT, rec->modifiedAt);
    memcpy(block + VOL_WORKER_UUID, rec->workerUuid, VIR_STORAGE_VAAI_UUID_LEN);
    virSCSIPutBE64(block + VOL_WORKER_INCARNATION, rec->workerIncarnation);
    virSCSIPutBE64(block + VOL_PROGRESS, rec->progress);
    virSCSIPutBE64(block + VOL_INTENT_START, rec->intentExtentStart);
    virSCSIPutBE64(block + VOL_INTENT_LENGTH, rec->intentExtentLength);
    virSCSIPutBE64(block + VOL_INTENT_CAPACITY, rec->intentCapacity);
    virStorageVaaiStringEncode(block + VOL_NAME, rec->name);
    virStorageVaaiSealBlock(block, blockSize, VOL_CRC);
    return 0;
}


virStorageVaaiRecordStatus
virStorageVaaiVolRecordDecode(const uint8_t *block,
                              size_t blockSize,
                              virStorageVaaiVolRecord *out,
                              GError **error)
{
    virStorageVaaiRecordStatus status;
    uint8_t version;

    memset(out, 0, sizeof(*out));

    status = virStorageVaaiBlockClassify(block, blockSize,
                                         VIR_STORAGE_VAAI_VOLRECORD_MAGIC,
                                         VOL_VERSION, VOL_CRC,
                                         "volume record", &version, error);
    if (status == VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION)
        out->version = version;
    if (status != VIR_STORAGE_VAAI_RECORD_VALID)
        return status;

    out->version = version;
    out->state = block[VOL_STATE];
    out->flags = virSCSIGetBE16(block + VOL_FLAGS);
    out->sequence = virSCSIGetBE64(block + VOL_SEQUENCE);
    memcpy(out->uuid, block + VOL_UUID, VIR_STORAGE_VAAI_UUID_LEN);
    out->extentStart = virSCSIGetBE64(block + VOL_EXTENT_START);
    out->extentLength = virSCSIGetBE64(block + VOL_EXTENT_LENGTH);
    out->capacity = virSCSIGetBE64(block + VOL_CAPACITY);
    memcpy(out->parentUuid, block + VOL_PARENT_UUID, VIR_STORAGE_VAAI_UUID_LEN);
    memcpy(out->parentPoolUuid, block + VOL_PARENT_POOL_UUID,
           VIR_STORAGE_VAAI_UUID_LEN);
    out->createdAt = virSCSIGetBE64(block + VOL_CREATED_AT);
    out->modifiedAt = virSCSIGetBE64(block + VOL_MODIFIED_AT);
    memcpy(out->workerUuid, block + VOL_WORKER_UUID, VIR_STORAGE_VAAI_UUID_LEN);
    out->workerIncarnation = virSCSIGetBE64(block + VOL_WORKER_INCARNATION);
    out->progress = virSCSIGetBE64(block + VOL_PROGRESS);
    out->intentExtentStart = virSCSIGetBE64(block + VOL_INTENT_START);
    out->intentExtentLength = virSCSIGetBE64(block + VOL_INTENT_LENGTH);
    out->intentCapacity = virSCSIGetBE64(block + VOL_INTENT_CAPACITY);

    if (!virStorageVaaiStringDecode(block + VOL_NAME, sizeof(out->name),
                                    out->name, "volume name", error) ||
        !virStorageVaaiVolRecordCheck(out, blockSize,
                                      VIR_STORAGE_VAAI_ERROR_CORRUPT, error)) {
        memset(out, 0, sizeof(*out));
        return VIR_STORAGE_VAAI_RECORD_CORRUPT;
    }

    return VIR_STORAGE_VAAI_RECORD_VALID;
}


/* ---- Signatures ---- */

/* Whether @len bytes of @buf hold @sig at @offset. */
static bool
virStorageVaaiHasAt(const uint8_t *buf,
                    size_t len,
                    size_t offset,
                    const void *sig,
                    size_t sigLen)
{
    return offset <= len && sigLen <= len - offset &&
           memcmp(buf + offset, sig, sigLen) == 0;
}


/*
 * A DOS partition table: the boot signature alone is also on FAT and NTFS
 * boot sectors, so ask for boot flags that are all 0x00 or 0x80 (as
 * libblkid does) and at least one entry that describes a partition.
 */
static bool
virStorageVaaiHasMbr(const uint8_t *buf,
                     size_t len)
{
    static const uint8_t bootSig[] = { 0x55, 0xAA };
    bool anyPartition = false;
    size_t i;

    if (!virStorageVaaiHasAt(buf, len, 510, bootSig, sizeof(bootSig)))
        return false;

    for (i = 0; i < 4; i++) {
        const uint8_t *e = buf + 446 + 16 * i;
        /* little-endian, as the PC BIOS wrote it */
        uint32_t start = e[8] | (e[9] << 8) | (e[10] << 16) | ((uint32_t)e[11] << 24);
        uint32_t count = e[12] | (e[13] << 8) | (e[14] << 16) | ((uint32_t)e[15] << 24);

        if (e[0] != 0x00 && e[0] != 0x80)
            return false;
        if (e[4] != 0 && start != 0 && count != 0)
            anyPartition = true;
    }
    return anyPartition;
}


static bool
virStorageVaaiHasLvm(const uint8_t *buf,
                     size_t len)
{
    size_t sector;

    /* LVM2 scans the first four 512-byte sectors, whatever the LUN's. */
    for (sector = 0; sector < 4; sector++) {
        if (virStorageVaaiHasAt(buf, len, sector * 512, "LABELONE", 8) &&
            virStorageVaaiHasAt(buf, len, sector * 512 + 24, "LVM2 001", 8))
            return true;
    }
    return false;
}


static bool
virStorageVaaiHasSwap(const uint8_t *buf,
                      size_t len)
{
    /* x86 and most others use 4 KiB pages; arm64 and ppc64 also 16 and 64. */
    static const size_t pageSizes[] = { 4096, 8192, 16384, 65536 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(pageSizes); i++) {
        if (virStorageVaaiHasAt(buf, len, pageSizes[i] - 10, "SWAPSPACE2", 10))
            return true;
    }
    return false;
}


const char *
virStorageVaaiDetectSignature(const uint8_t *buf,
                              size_t len,
                              uint32_t blockSize)
{
    bool lba1 = blockSize >= 512;

    /* A pool whose primary header is damaged still has its backup. */
    if (virStorageVaaiHasAt(buf, len, 0, VIR_STORAGE_VAAI_HEADER_MAGIC, 8) ||
        (lba1 && virStorageVaaiHasAt(buf, len, blockSize,
                                     VIR_STORAGE_VAAI_HEADER_MAGIC, 8)))
        return "vaai pool";

    /* Before the MBR check: a GPT disk also has a protective MBR. */
    if (lba1 && virStorageVaaiHasAt(buf, len, blockSize, "EFI PART", 8))
        return "GPT";

    if (virStorageVaaiHasMbr(buf, len))
        return "DOS/MBR partition table";

    if (virStorageVaaiHasLvm(buf, len))
        return "LVM2 physical volume";

    if (virStorageVaaiHasAt(buf, len, 0, "XFSB", 4))
        return "XFS filesystem";

    if (virStorageVaaiHasAt(buf, len, 1080, "\x53\xEF", 2))
        return "ext2/3/4 filesystem";

    if (virStorageVaaiHasSwap(buf, len))
        return "swap";

    if (virStorageVaaiHasAt(buf, len, 32769, "CD001", 5))
        return "ISO 9660";

    if (virStorageVaaiHasAt(buf, len, 65600, "_BHRfS_M", 8))
        return "btrfs";

    return NULL;
}
