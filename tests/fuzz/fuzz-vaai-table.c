/*
 * fuzz-vaai-table.c: libFuzzer target for a whole volume table: loading
 * (virStorageVaaiTableLoad), the extents it holds
 * (virStorageVaaiTableUsedExtents), its check (virStorageVaaiCheckTable)
 * and allocation from it (virStorageVaaiAllocFind, AllocCanGrow)
 *
 * The input:
 *   byte 0     control:
 *                bits 0-2: log2 of the extent alignment (1 to 128 blocks);
 *                bit 3: each record takes a whole 512-byte block of the
 *                       input; otherwise only its fixed part (292 bytes,
 *                       up to and including the CRC), the rest of the
 *                       block being zero as version 1 wants, so that more
 *                       records fit in a short input;
 *   bytes 1-2  seal mask (big-endian): record i with bit i set gets the
 *              right CRC stored (unless all zero), so that mutations of a
 *              valid table reach the field and table checks;
 *   bytes 3-4  the data area's size, in units of the alignment; it starts
 *              at LBA 128;
 *   bytes 5-7  the length in blocks to allocate;
 *   then       16 records, cut or zero-padded.
 * A busy record's worker is dead when the first byte of its UUID is odd.
 *
 * The promises checked: a record whose CRC does not verify is never
 * VALID; the used extents are exactly those of the valid records in use;
 * the check's counts add up and a table it finds no error in has no
 * overlapping, misplaced or misaligned extents and no duplicate names or
 * UUIDs; an allocation lies in the data area, aligned, and overlaps
 * nothing in use; a growth allowed in place overlaps nobody else.
 *
 * Built with -DFUZZ_VAAI_TABLE_SEEDS, this file is instead the generator
 * of the seed corpus (tests/fuzz/corpus/vaai-table): see the end.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "storage_vaai_check.h"
#include "storage_vaai_crc32c.h"
#include "storage_vaai_table.h"
#include "virscsibytes.h"

#define FUZZ_BLOCK_SIZE 512
#define FUZZ_RECORDS 16
#define FUZZ_PREFIX 8
#define FUZZ_DATA_LBA 128

#define FUZZ_CTL_ALIGN_MASK 0x07
#define FUZZ_CTL_WHOLE_BLOCKS 0x08

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool
fuzzIsZero(const uint8_t *p,
           size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i])
            return false;
    }
    return true;
}


static uint32_t
fuzzBlockCrc(const uint8_t *block)
{
    g_autofree uint8_t *copy = g_memdup2(block, FUZZ_BLOCK_SIZE);

    memset(copy + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET, 0, 4);
    return virStorageVaaiCrc32c(copy, FUZZ_BLOCK_SIZE);
}


static void
fuzzHeader(virStorageVaaiHeader *h,
           uint32_t alignment,
           uint64_t units)
{
    memset(h, 0, sizeof(*h));
    h->version = VIR_STORAGE_VAAI_RECORD_VERSION;
    h->formatMajor = VIR_STORAGE_VAAI_FORMAT_MAJOR;
    h->blockSize = FUZZ_BLOCK_SIZE;
    h->extentAlignment = alignment;
    h->leaseLba = VIR_STORAGE_VAAI_LEASE_LBA;
    h->heartbeatLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA;
    h->heartbeatSlots = VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    h->volumeRecords = FUZZ_RECORDS;
    h->volumeTableLba = VIR_STORAGE_VAAI_HEARTBEAT_LBA + VIR_STORAGE_VAAI_HEARTBEAT_SLOTS;
    h->dataLba = FUZZ_DATA_LBA;
    h->dataEndLba = FUZZ_DATA_LBA + units * alignment;
    h->capacity = h->dataEndLba;
}


static bool
fuzzDead(const virStorageVaaiVolRecord *rec,
         void *opaque G_GNUC_UNUSED)
{
    return rec->workerUuid[0] & 1;
}


/* Whether @used holds exactly @start+@length for @owner. */
static bool
fuzzHas(const virStorageVaaiExtent *used,
        size_t nused,
        uint64_t start,
        uint64_t length,
        int owner)
{
    size_t i;

    for (i = 0; i < nused; i++) {
        if (used[i].start == start && used[i].length == length &&
            used[i].owner == owner)
            return true;
    }
    return false;
}


/* What virStorageVaaiTableLoad() made of @block, against its bytes. */
static void
fuzzCheckRecord(const virStorageVaaiTable *t,
                uint32_t i,
                const uint8_t *block)
{
    bool zero = fuzzIsZero(block, FUZZ_BLOCK_SIZE);
    bool magic = memcmp(block, VIR_STORAGE_VAAI_VOLRECORD_MAGIC, 4) == 0;
    bool crc = virSCSIGetBE32(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET) ==
               fuzzBlockCrc(block);
    const virStorageVaaiVolRecord *r = &t->recs[i];

    if (memcmp(t->raw + (size_t)i * FUZZ_BLOCK_SIZE, block, FUZZ_BLOCK_SIZE) != 0)
        abort();

    switch (t->status[i]) {
    case VIR_STORAGE_VAAI_RECORD_EMPTY:
        if (!zero || t->errors[i])
            abort();
        break;
    case VIR_STORAGE_VAAI_RECORD_VALID:
        if (!magic || !crc || block[4] != VIR_STORAGE_VAAI_RECORD_VERSION ||
            t->errors[i] || r->version != VIR_STORAGE_VAAI_RECORD_VERSION ||
            (unsigned int)r->state >= VIR_STORAGE_VAAI_VOL_STATE_LAST ||
            strnlen(r->name, sizeof(r->name)) == sizeof(r->name) ||
            r->extentLength > UINT64_MAX - r->extentStart ||
            r->intentExtentLength > UINT64_MAX - r->intentExtentStart)
            abort();
        break;
    case VIR_STORAGE_VAAI_RECORD_UNKNOWN_VERSION:
        if (!magic || !crc || block[4] == VIR_STORAGE_VAAI_RECORD_VERSION ||
            !t->errors[i] || r->version != block[4])
            abort();
        break;
    case VIR_STORAGE_VAAI_RECORD_CORRUPT:
        if (!magic || !t->errors[i])
            abort();
        break;
    case VIR_STORAGE_VAAI_RECORD_FOREIGN:
        if (magic || zero || !t->errors[i])
            abort();
        break;
    case VIR_STORAGE_VAAI_RECORD_STATUS_LAST:
        abort();
    }

    if (virStorageVaaiTableOpaque(t, i) !=
        (t->status[i] != VIR_STORAGE_VAAI_RECORD_EMPTY &&
         t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID))
        abort();
    /* Whatever cannot be read is in use. */
    if (virStorageVaaiTableOpaque(t, i) && !virStorageVaaiTableInUse(t, i))
        abort();
}


/* The used extents are exactly the valid in-use records' extents, and
 * their intents while busy (only the growth of a grow in place). */
static void
fuzzCheckUsed(const virStorageVaaiTable *t,
              const virStorageVaaiExtent *used,
              size_t nused)
{
    size_t expect = 0;
    size_t i;

    for (i = 0; i < nused; i++) {
        if (used[i].owner < 0 || (uint32_t)used[i].owner >= t->count ||
            t->status[used[i].owner] != VIR_STORAGE_VAAI_RECORD_VALID ||
            !virStorageVaaiTableInUse(t, used[i].owner) ||
            used[i].length == 0 ||
            used[i].length > UINT64_MAX - used[i].start ||
            (i > 0 && used[i - 1].start > used[i].start))
            abort();
    }

    for (i = 0; i < t->count; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[i];
        uint64_t start = r->intentExtentStart;
        uint64_t length = r->intentExtentLength;

        if (t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID ||
            !virStorageVaaiTableInUse(t, i))
            continue;
        if (r->extentLength) {
            if (!fuzzHas(used, nused, r->extentStart, r->extentLength, i))
                abort();
            expect++;
        }
        if (!virStorageVaaiVolStateBusy(r->state) || !length)
            continue;
        if (start == r->extentStart && r->extentLength) {
            if (length <= r->extentLength)
                continue;
            start += r->extentLength;
            length -= r->extentLength;
        }
        if (!fuzzHas(used, nused, start, length, i))
            abort();
        expect++;
    }
    if (expect != nused)
        abort();
}


/* Whether one of @msgs contains @what and both names, quoted. */
static bool
fuzzReported(GPtrArray *msgs,
             const char *what,
             const char *name1,
             const char *name2)
{
    g_autofree char *q1 = g_strdup_printf("'%s'", name1);
    g_autofree char *q2 = g_strdup_printf("'%s'", name2);
    guint i;

    for (i = 0; i < msgs->len; i++) {
        const char *msg = g_ptr_array_index(msgs, i);

        if (strstr(msg, what) && strstr(msg, q1) && strstr(msg, q2))
            return true;
    }
    return false;
}


/*
 * Free blocks and the largest aligned free run of the data area, by a
 * walk of the free runs between sorted @used written apart from the
 * allocator's.
 */
static void
fuzzFree(const virStorageVaaiHeader *h,
         const virStorageVaaiExtent *used,
         size_t nused,
         uint64_t *freeBlocks,
         uint64_t *largest)
{
    uint64_t align = h->extentAlignment;
    uint64_t cursor = h->dataLba;
    size_t i;

    *freeBlocks = 0;
    *largest = 0;
    for (i = 0; i <= nused; i++) {
        uint64_t runEnd = h->dataEndLba;
        uint64_t s;

        if (i < nused) {
            if (used[i].length == 0)
                continue;
            runEnd = MIN(used[i].start, h->dataEndLba);
        }
        if (runEnd > cursor) {
            *freeBlocks += runEnd - cursor;
            s = cursor + (align - cursor % align) % align;
            if (s < runEnd)
                *largest = MAX(*largest, (runEnd - s) - (runEnd - s) % align);
        }
        if (i < nused)
            cursor = MAX(cursor, used[i].start + used[i].length);
    }
}


static void
fuzzCheckCheck(const virStorageVaaiHeader *h,
               const virStorageVaaiTable *t,
               const virStorageVaaiExtent *used,
               size_t nused,
               const virStorageVaaiCheck *c)
{
    uint64_t freeBlocks;
    uint64_t largest;
    uint32_t opaque = 0;
    uint32_t inUse = 0;
    size_t a;
    size_t b;
    size_t i;
    size_t j;

    fuzzFree(h, used, nused, &freeBlocks, &largest);
    if (c->dataBlocks != h->dataEndLba - h->dataLba ||
        c->freeBlocks != freeBlocks ||
        c->largestFree != largest ||
        c->usedBlocks + c->freeBlocks != c->dataBlocks ||
        c->freeBlocks != virStorageVaaiAllocFreeBlocks(used, nused, h->dataLba,
                                                       h->dataEndLba) ||
        c->largestFree != virStorageVaaiAllocLargestFree(used, nused, h->dataLba,
                                                         h->dataEndLba,
                                                         h->extentAlignment) ||
        c->largestFree > c->freeBlocks ||
        c->largestFree % h->extentAlignment != 0 ||
        c->orphans > c->busy)
        abort();

    for (i = 0; i < t->count; i++) {
        opaque += virStorageVaaiTableOpaque(t, i);
        inUse += t->status[i] == VIR_STORAGE_VAAI_RECORD_VALID &&
                 virStorageVaaiTableInUse(t, i);
    }
    if (c->opaque != opaque || c->ready + c->busy + c->broken != inUse)
        abort();

    /* The first record holding nothing is the one to reuse. */
    for (i = 0; i < t->count && virStorageVaaiTableInUse(t, i); i++)
        ;
    if (virStorageVaaiTableFindFree(t) != (i < t->count ? (int)i : -1))
        abort();

    /* An overlap is always reported, naming both volumes. */
    if (virStorageVaaiExtentsOverlap(used, nused, &a, &b) &&
        !fuzzReported(c->errors, "overlap", t->recs[used[a].owner].name,
                      t->recs[used[b].owner].name))
        abort();

    if (c->errors->len != 0)
        return;

    /* A table check finds nothing wrong in is one the volume code may
     * allocate from. */
    if (c->orphans || c->orphanBlocks)
        abort();
    for (i = 0; i < nused; i++) {
        if (used[i].start < h->dataLba ||
            used[i].length > h->dataEndLba - used[i].start ||
            used[i].start % h->extentAlignment != 0 ||
            (used[i].start + used[i].length) % h->extentAlignment != 0)
            abort();
    }
    for (i = 0; i < t->count; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[i];

        if (t->status[i] == VIR_STORAGE_VAAI_RECORD_CORRUPT ||
            t->status[i] == VIR_STORAGE_VAAI_RECORD_FOREIGN)
            abort();
        if (t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID)
            continue;
        if (r->state == VIR_STORAGE_VAAI_VOL_FREE) {
            if (r->name[0] || r->extentLength || r->intentExtentLength)
                abort();
            continue;
        }
        if (r->extentLength == 0 ||
            virStorageVaaiTableFindName(t, r->name) != (int)i ||
            virStorageVaaiTableFindUuid(t, r->uuid) != (int)i)
            abort();
        for (j = 0; j < i; j++) {
            if (t->status[j] == VIR_STORAGE_VAAI_RECORD_VALID &&
                virStorageVaaiTableInUse(t, j) &&
                (strcmp(t->recs[j].name, r->name) == 0 ||
                 memcmp(t->recs[j].uuid, r->uuid, sizeof(r->uuid)) == 0))
                abort();
        }
    }
}


static void
fuzzCheckAlloc(const virStorageVaaiHeader *h,
               const virStorageVaaiTable *t,
               const virStorageVaaiExtent *used,
               size_t nused,
               const virStorageVaaiCheck *c,
               uint64_t length)
{
    uint64_t start = 0;
    size_t i;

    if (virStorageVaaiAllocFind(used, nused, h->dataLba, h->dataEndLba,
                                h->extentAlignment, length, &start)) {
        if (length == 0 ||
            start % h->extentAlignment != 0 ||
            start < h->dataLba ||
            length > h->dataEndLba - start)
            abort();
        for (i = 0; i < nused; i++) {
            if (start < used[i].start + used[i].length &&
                used[i].start < start + length)
                abort();
        }
    } else if (length != 0 && length <= c->largestFree) {
        /* A free aligned run of largestFree blocks exists. */
        abort();
    }

    /* Growing each valid in-use record by @length in place. */
    for (i = 0; i < t->count; i++) {
        const virStorageVaaiVolRecord *r = &t->recs[i];
        uint64_t from = r->extentStart + r->extentLength;
        size_t k;

        if (t->status[i] != VIR_STORAGE_VAAI_RECORD_VALID ||
            !virStorageVaaiTableInUse(t, i) ||
            length > UINT64_MAX - r->extentLength ||
            !virStorageVaaiAllocCanGrow(used, nused, h->dataEndLba, i,
                                        r->extentStart, r->extentLength,
                                        r->extentLength + length))
            continue;
        if (length == 0)
            continue;
        if (r->extentStart > h->dataEndLba ||
            r->extentLength + length > h->dataEndLba - r->extentStart)
            abort();
        for (k = 0; k < nused; k++) {
            if (used[k].owner != (int)i &&
                used[k].start < from + length &&
                from < used[k].start + used[k].length)
                abort();
        }
    }
}


static int
fuzzVaaiTableRun(const uint8_t *data,
                 size_t size)
{
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree virStorageVaaiExtent *used = NULL;
    g_autofree uint8_t *blocks = NULL;
    virStorageVaaiHeader h;
    virStorageVaaiCheck c;
    uint8_t prefix[FUZZ_PREFIX] = { 0 };
    size_t stride;
    size_t nused;
    uint16_t seal;
    uint64_t length;
    uint32_t i;

    if (size < sizeof(prefix)) {
        if (size)
            memcpy(prefix, data, size);
        size = 0;
    } else {
        memcpy(prefix, data, sizeof(prefix));
        data += sizeof(prefix);
        size -= sizeof(prefix);
    }

    stride = (prefix[0] & FUZZ_CTL_WHOLE_BLOCKS) ? FUZZ_BLOCK_SIZE :
             VIR_STORAGE_VAAI_VOLRECORD_LEN;
    seal = virSCSIGetBE16(prefix + 1);
    length = ((uint64_t)prefix[5] << 16) | ((uint64_t)prefix[6] << 8) | prefix[7];
    fuzzHeader(&h, 1u << (prefix[0] & FUZZ_CTL_ALIGN_MASK),
               virSCSIGetBE16(prefix + 3));

    t = virStorageVaaiTableNew(&h);
    blocks = g_malloc0((size_t)FUZZ_RECORDS * FUZZ_BLOCK_SIZE);
    for (i = 0; i < FUZZ_RECORDS; i++) {
        /* An exact-size heap block, so that ASan flags any read past it. */
        g_autofree uint8_t *block = g_malloc0(FUZZ_BLOCK_SIZE);
        size_t off = (size_t)i * stride;

        if (off < size)
            memcpy(block, data + off, MIN(stride, size - off));
        if ((seal & (1u << i)) && !fuzzIsZero(block, FUZZ_BLOCK_SIZE))
            virSCSIPutBE32(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
                           fuzzBlockCrc(block));
        virStorageVaaiTableLoad(t, i, block);
        fuzzCheckRecord(t, i, block);
        memcpy(blocks + (size_t)i * FUZZ_BLOCK_SIZE, block, FUZZ_BLOCK_SIZE);
    }

    used = virStorageVaaiTableUsedExtents(t, &nused);
    fuzzCheckUsed(t, used, nused);

    virStorageVaaiCheckTable(&h, t, fuzzDead, NULL, &c);
    fuzzCheckCheck(&h, t, used, nused, &c);
    fuzzCheckAlloc(&h, t, used, nused, &c, length);
    virStorageVaaiCheckClear(&c);

    /* Loading a record over itself (as TableRead does) changes nothing. */
    for (i = 0; i < FUZZ_RECORDS; i++) {
        virStorageVaaiRecordStatus before = t->status[i];

        virStorageVaaiTableLoad(t, i, t->raw + (size_t)i * FUZZ_BLOCK_SIZE);
        if (t->status[i] != before ||
            memcmp(t->raw + (size_t)i * FUZZ_BLOCK_SIZE,
                   blocks + (size_t)i * FUZZ_BLOCK_SIZE, FUZZ_BLOCK_SIZE) != 0)
            abort();
    }
    return 0;
}


#ifndef FUZZ_VAAI_TABLE_SEEDS

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    return fuzzVaaiTableRun(data, size);
}

#else /* FUZZ_VAAI_TABLE_SEEDS */

/*
 * The seed generator: writes a few consistent tables (and one with a
 * record of a later version) into the directory named on the command
 * line, each cut after its last non-empty record, and runs each through
 * the harness above first.  Regenerate the corpus with it whenever the
 * input layout changes:
 *   ninja -C BUILD tests/fuzz/gen-vaai-table-seeds
 *   BUILD/tests/fuzz/gen-vaai-table-seeds tests/fuzz/corpus/vaai-table
 */

#include <stdio.h>

int main(int argc, char **argv);

typedef struct {
    GByteArray *buf;
    uint8_t ctl;
    uint32_t alignment;
    size_t stride;
    uint32_t last;                  /* records written, up to the last non-empty */
} fuzzSeed;


static void
fuzzSeedInit(fuzzSeed *s,
             uint8_t ctl,
             uint16_t units,
             uint32_t length)
{
    uint8_t prefix[FUZZ_PREFIX] = { 0 };

    s->buf = g_byte_array_new();
    s->ctl = ctl;
    s->alignment = 1u << (ctl & FUZZ_CTL_ALIGN_MASK);
    s->stride = (ctl & FUZZ_CTL_WHOLE_BLOCKS) ? FUZZ_BLOCK_SIZE :
                VIR_STORAGE_VAAI_VOLRECORD_LEN;
    s->last = 0;
    prefix[0] = ctl;
    /* The seeds carry their CRCs; the seal mask is for the fuzzer. */
    virSCSIPutBE16(prefix + 3, units);
    prefix[5] = length >> 16;
    prefix[6] = length >> 8;
    prefix[7] = length;
    g_byte_array_append(s->buf, prefix, sizeof(prefix));
}


static void
fuzzSeedBlock(fuzzSeed *s,
              uint32_t idx,
              const uint8_t *block)
{
    g_assert(idx < FUZZ_RECORDS);
    if (idx + 1 > s->last) {
        g_byte_array_set_size(s->buf, FUZZ_PREFIX + (idx + 1) * s->stride);
        memset(s->buf->data + FUZZ_PREFIX + s->last * s->stride, 0,
               (idx + 1 - s->last) * s->stride);
        s->last = idx + 1;
    }
    memcpy(s->buf->data + FUZZ_PREFIX + idx * s->stride, block, s->stride);
}


/* Volume @idx named @name at unit @at of the data area, @units long. */
static void
fuzzSeedVol(fuzzSeed *s,
            uint32_t idx,
            const char *name,
            virStorageVaaiVolState state,
            uint64_t at,
            uint64_t units,
            virStorageVaaiVolRecord *v)
{
    memset(v, 0, sizeof(*v));
    v->state = state;
    v->sequence = 1 + idx;
    memset(v->uuid, 0x10 + idx, sizeof(v->uuid));
    if (units) {
        v->extentStart = FUZZ_DATA_LBA + at * s->alignment;
        v->extentLength = units * s->alignment;
        v->capacity = v->extentLength * FUZZ_BLOCK_SIZE;
    }
    v->createdAt = 1700000000;
    v->modifiedAt = 1700000000 + idx;
    g_strlcpy(v->name, name, sizeof(v->name));
}


static void
fuzzSeedPut(fuzzSeed *s,
            uint32_t idx,
            const virStorageVaaiVolRecord *v)
{
    uint8_t block[FUZZ_BLOCK_SIZE];

    if (virStorageVaaiVolRecordEncode(v, block, sizeof(block), NULL) < 0)
        abort();
    fuzzSeedBlock(s, idx, block);
}


static void
fuzzSeedAdd(fuzzSeed *s,
            uint32_t idx,
            const char *name,
            virStorageVaaiVolState state,
            uint64_t at,
            uint64_t units)
{
    virStorageVaaiVolRecord v;

    fuzzSeedVol(s, idx, name, state, at, units, &v);
    fuzzSeedPut(s, idx, &v);
}


/* A busy record: @workerByte odd means its worker is dead. */
static void
fuzzSeedBusy(fuzzSeed *s,
             uint32_t idx,
             const char *name,
             virStorageVaaiVolState state,
             uint64_t at,
             uint64_t units,
             uint64_t intentAt,
             uint64_t intentUnits,
             uint8_t workerByte)
{
    virStorageVaaiVolRecord v;

    fuzzSeedVol(s, idx, name, state, at, units, &v);
    memset(v.workerUuid, workerByte, sizeof(v.workerUuid));
    v.workerIncarnation = 42;
    if (intentUnits) {
        v.intentExtentStart = FUZZ_DATA_LBA + intentAt * s->alignment;
        v.intentExtentLength = intentUnits * s->alignment;
        v.intentCapacity = v.intentExtentLength * FUZZ_BLOCK_SIZE;
    }
    fuzzSeedPut(s, idx, &v);
}


static bool
fuzzSeedCheckClean(const uint8_t *data,
                   size_t size)
{
    g_autoptr(virStorageVaaiTable) t = NULL;
    g_autofree virStorageVaaiExtent *used = NULL;
    virStorageVaaiHeader h;
    virStorageVaaiCheck c;
    size_t stride = (data[0] & FUZZ_CTL_WHOLE_BLOCKS) ? FUZZ_BLOCK_SIZE :
                    VIR_STORAGE_VAAI_VOLRECORD_LEN;
    size_t nused;
    bool clean;
    uint32_t i;

    fuzzHeader(&h, 1u << (data[0] & FUZZ_CTL_ALIGN_MASK), virSCSIGetBE16(data + 3));
    t = virStorageVaaiTableNew(&h);
    for (i = 0; i < FUZZ_RECORDS; i++) {
        uint8_t block[FUZZ_BLOCK_SIZE] = { 0 };
        size_t off = FUZZ_PREFIX + i * stride;

        if (off < size)
            memcpy(block, data + off, MIN(stride, size - off));
        virStorageVaaiTableLoad(t, i, block);
    }
    used = virStorageVaaiTableUsedExtents(t, &nused);
    virStorageVaaiCheckTable(&h, t, NULL, NULL, &c);
    clean = c.errors->len == 0;
    for (i = 0; i < c.errors->len; i++)
        printf("  check: %s\n", (const char *)g_ptr_array_index(c.errors, i));
    virStorageVaaiCheckClear(&c);
    return clean;
}


static void
fuzzSeedWrite(fuzzSeed *s,
              const char *dir,
              const char *name,
              bool clean)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;

    /* The harness must accept its own seeds, and check must agree with
     * what each was built to be. */
    fuzzVaaiTableRun(s->buf->data, s->buf->len);
    if (fuzzSeedCheckClean(s->buf->data, s->buf->len) != clean) {
        fprintf(stderr, "seed %s: check does not find it %s\n", name,
                clean ? "clean" : "wrong");
        exit(EXIT_FAILURE);
    }
    if (!g_file_set_contents(path, (const char *)s->buf->data, s->buf->len, &err)) {
        fprintf(stderr, "%s\n", err->message);
        exit(EXIT_FAILURE);
    }
    printf("%s: %u bytes\n", path, s->buf->len);
    g_byte_array_unref(s->buf);
}


int
main(int argc,
     char **argv)
{
    virStorageVaaiVolRecord v;
    fuzzSeed s;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return EXIT_FAILURE;
    }

    /* Ready volumes with gaps between them; alignment 8, 64 units; the
     * allocation (20 blocks: 3 units) fits only in the last gap. */
    fuzzSeedInit(&s, 3, 64, 20);
    fuzzSeedAdd(&s, 0, "root", VIR_STORAGE_VAAI_VOL_READY, 0, 4);
    fuzzSeedAdd(&s, 1, "data", VIR_STORAGE_VAAI_VOL_READY, 6, 10);
    fuzzSeedAdd(&s, 3, "swap", VIR_STORAGE_VAAI_VOL_READY, 18, 2);
    fuzzSeedAdd(&s, 4, "logs", VIR_STORAGE_VAAI_VOL_BROKEN, 40, 24);
    fuzzSeedWrite(&s, argv[1], "ready", true);

    /* Every operation in progress, some of them by dead workers (odd
     * worker bytes: orphans for the harness, fine for a check that is
     * told of no dead host), and a record freed after use; alignment 16. */
    fuzzSeedInit(&s, 4, 48, 32);
    fuzzSeedBusy(&s, 0, "new", VIR_STORAGE_VAAI_VOL_CREATING, 0, 2, 0, 0, 0x21);
    fuzzSeedBusy(&s, 1, "grow", VIR_STORAGE_VAAI_VOL_RESIZING, 2, 2, 2, 5, 0x22);
    fuzzSeedBusy(&s, 2, "move", VIR_STORAGE_VAAI_VOL_RESIZING, 8, 1, 20, 3, 0x23);
    fuzzSeedBusy(&s, 3, "copy", VIR_STORAGE_VAAI_VOL_CLONING, 9, 2, 11, 2, 0x24);
    fuzzSeedBusy(&s, 4, "wipe", VIR_STORAGE_VAAI_VOL_WIPING, 13, 1, 0, 0, 0x25);
    fuzzSeedBusy(&s, 5, "gone", VIR_STORAGE_VAAI_VOL_DELETING, 14, 4, 0, 0, 0x26);
    fuzzSeedBusy(&s, 6, "trim", VIR_STORAGE_VAAI_VOL_RELEASING, 30, 2, 32, 2, 0x27);
    /* A record freed after use. */
    memset(&v, 0, sizeof(v));
    v.sequence = 7;
    v.modifiedAt = 1700000100;
    fuzzSeedPut(&s, 8, &v);
    fuzzSeedWrite(&s, argv[1], "busy", true);

    /* Whole blocks, alignment 1, with a record of record version 2 in the
     * middle and a full data area: nothing can be allocated. */
    fuzzSeedInit(&s, FUZZ_CTL_WHOLE_BLOCKS | 0, 32, 1);
    fuzzSeedAdd(&s, 0, "a", VIR_STORAGE_VAAI_VOL_READY, 0, 16);
    {
        uint8_t block[FUZZ_BLOCK_SIZE];

        fuzzSeedVol(&s, 1, "later", VIR_STORAGE_VAAI_VOL_READY, 40, 8, &v);
        if (virStorageVaaiVolRecordEncode(&v, block, sizeof(block), NULL) < 0)
            abort();
        block[4] = 2;
        virSCSIPutBE32(block + VIR_STORAGE_VAAI_VOLRECORD_CRC_OFFSET,
                       fuzzBlockCrc(block));
        fuzzSeedBlock(&s, 1, block);
    }
    fuzzSeedAdd(&s, 2, "b", VIR_STORAGE_VAAI_VOL_READY, 16, 16);
    fuzzSeedWrite(&s, argv[1], "full-later-version", true);

    /* Tables check reports, each just past one of its limits and wrong in
     * that one way only (another error would hide from the harness a check
     * that misses this one), so that the fuzzer starts on both sides of
     * each limit.  Two volumes overlapping by one unit of 2 blocks: */
    fuzzSeedInit(&s, 1, 16, 2);
    fuzzSeedAdd(&s, 0, "x", VIR_STORAGE_VAAI_VOL_READY, 0, 4);
    fuzzSeedAdd(&s, 1, "y", VIR_STORAGE_VAAI_VOL_READY, 3, 4);
    fuzzSeedWrite(&s, argv[1], "overlap", false);

    /* Two volumes of one name: */
    fuzzSeedInit(&s, 1, 16, 2);
    fuzzSeedAdd(&s, 0, "x", VIR_STORAGE_VAAI_VOL_READY, 0, 4);
    fuzzSeedAdd(&s, 1, "x", VIR_STORAGE_VAAI_VOL_READY, 4, 4);
    fuzzSeedWrite(&s, argv[1], "duplicate-name", false);

    /* Two of one UUID: */
    fuzzSeedInit(&s, 1, 16, 2);
    fuzzSeedAdd(&s, 0, "x", VIR_STORAGE_VAAI_VOL_READY, 0, 4);
    fuzzSeedVol(&s, 1, "y", VIR_STORAGE_VAAI_VOL_READY, 4, 4, &v);
    memset(v.uuid, 0x10, sizeof(v.uuid));
    fuzzSeedPut(&s, 1, &v);
    fuzzSeedWrite(&s, argv[1], "duplicate-uuid", false);

    /* Alignment 8, 16 units from here on.  A volume one block longer than
     * its units (the free run after it starts unaligned): */
    fuzzSeedInit(&s, 3, 16, 8);
    fuzzSeedVol(&s, 0, "long", VIR_STORAGE_VAAI_VOL_READY, 0, 2, &v);
    v.extentLength++;
    fuzzSeedPut(&s, 0, &v);
    fuzzSeedAdd(&s, 1, "next", VIR_STORAGE_VAAI_VOL_READY, 8, 1);
    fuzzSeedWrite(&s, argv[1], "misaligned-length", false);

    /* One starting a block past a unit (the free run before it ends
     * unaligned): */
    fuzzSeedInit(&s, 3, 16, 8);
    fuzzSeedVol(&s, 0, "skew", VIR_STORAGE_VAAI_VOL_READY, 2, 1, &v);
    v.extentStart++;
    fuzzSeedPut(&s, 0, &v);
    fuzzSeedAdd(&s, 1, "next", VIR_STORAGE_VAAI_VOL_READY, 4, 12);
    fuzzSeedWrite(&s, argv[1], "misaligned-start", false);

    /* One running a unit past the data area: */
    fuzzSeedInit(&s, 3, 16, 8);
    fuzzSeedAdd(&s, 0, "past", VIR_STORAGE_VAAI_VOL_READY, 14, 3);
    fuzzSeedWrite(&s, argv[1], "past-end", false);

    /* One a unit below it, over the metadata: */
    fuzzSeedInit(&s, 3, 16, 8);
    fuzzSeedVol(&s, 0, "below", VIR_STORAGE_VAAI_VOL_READY, 0, 1, &v);
    v.extentStart -= s.alignment;
    fuzzSeedPut(&s, 0, &v);
    fuzzSeedWrite(&s, argv[1], "below-start", false);

    return EXIT_SUCCESS;
}

#endif /* FUZZ_VAAI_TABLE_SEEDS */
