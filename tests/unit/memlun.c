/*
 * memlun.c: an in-memory LUN, a scripted SCSI target for races and stalls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <time.h>

#include "memlun.h"
#include "virscsibytes.h"
#include "virscsierror.h"
#include "virscsisense.h"

#define MEM_MAX_TRANSFER 2048           /* blocks */
#define MEM_MAX_WRITE_SAME 0x10000
#define MEM_MAX_UNMAP 0x10000
#define MEM_UNMAP_GRANULARITY 8
#define MEM_XCOPY_SEGMENTS 4
#define MEM_XCOPY_SEGMENT_BYTES (1024 * 1024)

/* The LUNs' NAA designator, as VPD page 0x83 gives it and an EXTENDED
 * COPY's identification descriptor must name it; its last two bytes are
 * the LUN's number, so that two LUNs are two devices. */
static const uint8_t memNaaBase[16] = {
    0x60, 0x01, 0x40, 0x50, 0x4d, 0x45, 0x4d, 0x4c,
    0x55, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

struct _testMemLun {
    testMemLunProfile profile;
    GMutex lock;                        /* the medium, the log, the hook */
    uint8_t *data;
    uint8_t *mapped;                    /* one byte per block */
    GArray *events;
    testMemLunHook hook;
    void *hookOpaque;
    unsigned int sessions;
    uint8_t naa[16];
    guint tears;                        /* READs that came back torn */
    GHashTable *tearing;                /* LBA -> the bytes a COMPARE AND WRITE
                                         * replaced, until the next READ of it */

    /* Persistent reservations, per session (its I_T nexus). */
    GArray *prKey;                      /* uint64_t: registered key, 0: none */
    GArray *prAborts;                   /* guint: PREEMPT AND ABORTs that hit it */
    uint8_t prType;                     /* reservation type, 0: none */
    uint64_t prHolder;                  /* holder's key (not all-registrants types) */
    uint32_t prGeneration;
};

typedef struct {
    testMemLun *mem;
    unsigned int id;
    GMutex lock;                        /* one command at a time */
} testMemSession;


gint64
testMemLunNowUs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}


testMemLun *
testMemLunNew(const testMemLunProfile *profile)
{
    testMemLun *mem = g_new0(testMemLun, 1);

    static gint luns;
    guint id = g_atomic_int_add(&luns, 1);

    mem->profile = *profile;
    memcpy(mem->naa, memNaaBase, sizeof(mem->naa));
    mem->naa[14] = id >> 8;
    mem->naa[15] = id;
    if (!mem->profile.blockSize)
        mem->profile.blockSize = 512;
    if (!mem->profile.maxWriteSame)
        mem->profile.maxWriteSame = MEM_MAX_WRITE_SAME;
    if (!mem->profile.unmapGranularity)
        mem->profile.unmapGranularity = MEM_UNMAP_GRANULARITY;
    mem->data = g_new0(uint8_t, mem->profile.blocks * mem->profile.blockSize);
    mem->mapped = g_new0(uint8_t, mem->profile.blocks);
    mem->events = g_array_new(FALSE, FALSE, sizeof(testMemLunEvent));
    mem->prKey = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    mem->prAborts = g_array_new(FALSE, TRUE, sizeof(guint));
    mem->tearing = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    g_mutex_init(&mem->lock);
    return mem;
}


void
testMemLunFree(testMemLun *mem)
{
    if (!mem)
        return;
    g_free(mem->data);
    g_free(mem->mapped);
    g_array_unref(mem->events);
    g_array_unref(mem->prKey);
    g_array_unref(mem->prAborts);
    g_hash_table_unref(mem->tearing);
    g_mutex_clear(&mem->lock);
    g_free(mem);
}


void
testMemLunSetHook(testMemLun *mem,
                  testMemLunHook hook,
                  void *opaque)
{
    g_mutex_lock(&mem->lock);
    mem->hook = hook;
    mem->hookOpaque = opaque;
    g_mutex_unlock(&mem->lock);
}


GArray *
testMemLunTakeEvents(testMemLun *mem)
{
    GArray *out;

    g_mutex_lock(&mem->lock);
    out = mem->events;
    mem->events = g_array_new(FALSE, FALSE, sizeof(testMemLunEvent));
    g_mutex_unlock(&mem->lock);
    return out;
}


testMemLunAction
testMemLunRefuseOpcode(testMemLun *mem G_GNUC_UNUSED,
                       unsigned int session G_GNUC_UNUSED,
                       const virSCSICmd *cmd,
                       void *opaque)
{
    return cmd->cdb[0] == GPOINTER_TO_UINT(opaque) ? TEST_MEM_LUN_REFUSE : TEST_MEM_LUN_RUN;
}


size_t
testMemLunTakeCount(testMemLun *mem,
                    uint8_t opcode)
{
    g_autoptr(GArray) ev = testMemLunTakeEvents(mem);
    size_t n = 0;
    guint i;

    for (i = 0; i < ev->len; i++)
        n += g_array_index(ev, testMemLunEvent, i).opcode == opcode;
    return n;
}


void
testMemLunRead(testMemLun *mem,
               uint64_t lba,
               uint64_t nblocks,
               uint8_t *buf)
{
    size_t bs = mem->profile.blockSize;

    g_mutex_lock(&mem->lock);
    memcpy(buf, mem->data + lba * bs, nblocks * bs);
    g_mutex_unlock(&mem->lock);
}


void
testMemLunWrite(testMemLun *mem,
                uint64_t lba,
                uint64_t nblocks,
                const uint8_t *buf)
{
    size_t bs = mem->profile.blockSize;

    g_mutex_lock(&mem->lock);
    memcpy(mem->data + lba * bs, buf, nblocks * bs);
    memset(mem->mapped + lba, 1, nblocks);
    g_mutex_unlock(&mem->lock);
}


uint64_t
testMemLunMapped(testMemLun *mem,
                 uint64_t lba,
                 uint64_t nblocks)
{
    uint64_t n = 0;
    uint64_t i;

    g_mutex_lock(&mem->lock);
    for (i = lba; i < lba + nblocks && i < mem->profile.blocks; i++)
        n += mem->mapped[i];
    g_mutex_unlock(&mem->lock);
    return n;
}


/* ---- Answers ---- */

static void
testMemSense(virSCSICmd *cmd,
             uint8_t key,
             uint8_t asc,
             uint8_t ascq,
             bool hasInfo,
             uint32_t info)
{
    memset(cmd->sense, 0, 18);
    cmd->sense[0] = 0x70 | (hasInfo ? 0x80 : 0);
    cmd->sense[2] = key;
    virSCSIPutBE32(cmd->sense + 3, info);
    cmd->sense[7] = 10;
    cmd->sense[12] = asc;
    cmd->sense[13] = ascq;
    cmd->senseLen = 18;
    cmd->status = VIR_SCSI_STATUS_CHECK_CONDITION;
}


static void
testMemIllegal(virSCSICmd *cmd,
               uint8_t asc)
{
    testMemSense(cmd, VIR_SCSI_SENSE_KEY_ILLEGAL_REQUEST, asc, 0, false, 0);
}


static void
testMemDataIn(virSCSICmd *cmd,
              const uint8_t *buf,
              size_t len)
{
    size_t n = MIN(len, cmd->dataLen);

    memcpy(cmd->data, buf, n);
    cmd->resid = cmd->dataLen - n;
}


static void
testMemInquiry(testMemLun *mem,
               virSCSICmd *cmd)
{
    uint8_t buf[64] = { 0 };
    size_t len;

    if (!(cmd->cdb[1] & 0x01)) {
        buf[2] = 0x06;
        buf[3] = 0x02;
        buf[4] = 36 - 5;
        buf[5] = mem->profile.xcopy ? 0x08 : 0;                 /* 3PC */
        memcpy(buf + 8, "MEMLUN  ", 8);
        memcpy(buf + 16, "in-memory LUN   ", 16);
        memcpy(buf + 32, "0001", 4);
        len = 36;
    } else {
        buf[1] = cmd->cdb[2];
        switch (cmd->cdb[2]) {
        case 0x00:
            buf[3] = 4;
            buf[4] = 0x00;
            buf[5] = 0x83;
            buf[6] = 0xB0;
            buf[7] = 0xB2;
            len = 8;
            break;
        case 0x83:
            buf[3] = 4 + sizeof(mem->naa);
            buf[4] = 0x01;                                      /* binary */
            buf[5] = 0x03;                                      /* LU, NAA */
            buf[7] = sizeof(mem->naa);
            memcpy(buf + 8, mem->naa, sizeof(mem->naa));
            len = 8 + sizeof(mem->naa);
            break;
        case 0xB0:
            virSCSIPutBE16(buf + 2, 0x3C);
            buf[5] = 1;                                         /* COMPARE AND WRITE */
            virSCSIPutBE32(buf + 8, MEM_MAX_TRANSFER);
            virSCSIPutBE32(buf + 20, MEM_MAX_UNMAP);
            virSCSIPutBE32(buf + 24, 1);
            virSCSIPutBE32(buf + 28, mem->profile.unmapGranularity);
            if (mem->profile.unmapAlignment)
                virSCSIPutBE32(buf + 32, 0x80000000u | mem->profile.unmapAlignment);
            virSCSIPutBE64(buf + 36, mem->profile.maxWriteSame);
            len = 64;
            break;
        case 0xB2:
            virSCSIPutBE16(buf + 2, 4);
            buf[5] = 0x80 | 0x40 | (mem->profile.lbprz ? 0x04 : 0);
            buf[6] = 0x02;                                      /* thin */
            len = 8;
            break;
        default:
            testMemIllegal(cmd, 0x24);
            return;
        }
    }
    testMemDataIn(cmd, buf, len);
}


static void
testMemReadCapacity(testMemLun *mem,
                    virSCSICmd *cmd)
{
    uint8_t buf[32] = { 0 };

    virSCSIPutBE64(buf, mem->profile.blocks - 1);
    virSCSIPutBE32(buf + 8, mem->profile.blockSize);
    buf[14] = 0x80 | (mem->profile.lbprz ? 0x40 : 0);
    testMemDataIn(cmd, buf, sizeof(buf));
}


/* The range a command names; false (with sense) when it leaves the LUN. */
static bool
testMemRange(testMemLun *mem,
             virSCSICmd *cmd,
             uint64_t lba,
             uint64_t nblocks)
{
    if (lba > mem->profile.blocks || nblocks > mem->profile.blocks - lba) {
        testMemIllegal(cmd, 0x21);
        return false;
    }
    return true;
}


/* Give back the whole granules of a range, as a thin array does; the
 * blocks of partial granules at either end stay as they are, unless
 * @zeroRest (WRITE SAME with UNMAP: "deallocate or write"). */
static void
testMemDeallocate(testMemLun *mem,
                  uint64_t lba,
                  uint64_t nblocks,
                  bool zeroRest)
{
    size_t bs = mem->profile.blockSize;
    uint64_t g = mem->profile.unmapGranularity;
    uint64_t a = mem->profile.unmapAlignment % g;
    uint64_t end = lba + nblocks;
    uint64_t first = lba <= a ? a : a + (lba - a + g - 1) / g * g;
    uint64_t last = end < a ? 0 : a + (end - a) / g * g;

    if (first < lba || first > end)
        first = end;
    if (last < first)
        last = first;
    if (zeroRest) {
        memset(mem->data + lba * bs, 0, (first - lba) * bs);
        memset(mem->mapped + lba, 1, first - lba);
        memset(mem->data + last * bs, 0, (end - last) * bs);
        memset(mem->mapped + last, 1, end - last);
    }
    memset(mem->mapped + first, 0, last - first);
    if (mem->profile.lbprz)
        memset(mem->data + first * bs, 0, (last - first) * bs);
}


static void
testMemCompareAndWrite(testMemLun *mem,
                       virSCSICmd *cmd,
                       uint64_t lba,
                       uint64_t n)
{
    size_t bs = mem->profile.blockSize;
    const uint8_t *data = cmd->data;
    size_t i;

    if (cmd->dataLen != 2 * n * bs) {
        testMemIllegal(cmd, 0x24);
        return;
    }
    for (i = 0; i < n * bs; i++) {
        if (mem->data[lba * bs + i] != data[i]) {
            testMemSense(cmd, VIR_SCSI_SENSE_KEY_MISCOMPARE, 0x1D, 0x00, true, i);
            return;
        }
    }
    for (i = 0; mem->profile.tornReads && i < n; i++) {
        gint64 *key = g_new(gint64, 1);

        *key = lba + i;
        g_hash_table_replace(mem->tearing, key, g_memdup2(mem->data + (lba + i) * bs, bs));
    }
    memcpy(mem->data + lba * bs, data + n * bs, n * bs);
    memset(mem->mapped + lba, 1, n);
}


/* READ: a block a COMPARE AND WRITE just changed comes back torn, once. */
static void
testMemReadData(testMemLun *mem,
                uint64_t lba,
                uint64_t n,
                uint8_t *out)
{
    size_t bs = mem->profile.blockSize;
    uint64_t i;

    memcpy(out, mem->data + lba * bs, n * bs);
    for (i = 0; g_hash_table_size(mem->tearing) && i < n; i++) {
        gint64 key = lba + i;
        const uint8_t *old = g_hash_table_lookup(mem->tearing, &key);

        if (!old)
            continue;
        if (memcmp(out + i * bs + bs / 2, old + bs / 2, bs / 2) != 0)
            mem->tears++;
        memcpy(out + i * bs + bs / 2, old + bs / 2, bs / 2);
        g_hash_table_remove(mem->tearing, &key);
    }
}


static void
testMemWriteSame(testMemLun *mem,
                 virSCSICmd *cmd,
                 uint64_t lba,
                 uint64_t n)
{
    size_t bs = mem->profile.blockSize;
    bool unmap = cmd->cdb[1] & 0x08;
    const uint8_t *block = cmd->data;
    bool zeros = true;
    uint64_t i;

    if (cmd->dataLen != bs || n > mem->profile.maxWriteSame) {
        testMemIllegal(cmd, 0x24);
        return;
    }
    for (i = 0; i < bs; i++)
        zeros &= block[i] == 0;
    /* SBC: with UNMAP the target may deallocate, if what then reads back
     * is the block given; otherwise it writes. */
    if (unmap && zeros && mem->profile.lbprz && !mem->profile.ignoreUnmap) {
        testMemDeallocate(mem, lba, n, true);
        return;
    }
    for (i = 0; i < n; i++)
        memcpy(mem->data + (lba + i) * bs, block, bs);
    memset(mem->mapped + lba, 1, n);
}


static void
testMemUnmap(testMemLun *mem,
             virSCSICmd *cmd)
{
    const uint8_t *p = cmd->data;
    size_t len;
    size_t off;

    if (cmd->dataLen < 8) {
        testMemIllegal(cmd, 0x26);
        return;
    }
    len = MIN((size_t)virSCSIGetBE16(p + 2), cmd->dataLen - 8);
    for (off = 8; off + 16 <= 8 + len; off += 16) {
        uint64_t lba = virSCSIGetBE64(p + off);
        uint64_t n = virSCSIGetBE32(p + off + 8);

        if (!testMemRange(mem, cmd, lba, n))
            return;
        if (!mem->profile.ignoreUnmap)
            testMemDeallocate(mem, lba, n, false);
    }
}


static void
testMemCopyParams(virSCSICmd *cmd)
{
    uint8_t buf[48] = { 0 };

    virSCSIPutBE32(buf, 46 - 4 + 2);                /* AVAILABLE DATA */
    buf[4] = 0x01;                                  /* SNLID */
    virSCSIPutBE16(buf + 8, 2);                     /* CSCD descriptors */
    virSCSIPutBE16(buf + 10, MEM_XCOPY_SEGMENTS);
    virSCSIPutBE32(buf + 12, 16 + 2 * 32 + MEM_XCOPY_SEGMENTS * 28);
    virSCSIPutBE32(buf + 16, MEM_XCOPY_SEGMENT_BYTES);
    virSCSIPutBE16(buf + 34, 1);                    /* concurrent copies */
    buf[36] = 1;
    buf[43] = 2;                                    /* descriptor types: */
    buf[44] = 0x02;                                 /* block to block */
    buf[45] = 0xE4;                                 /* identification */
    testMemDataIn(cmd, buf, 46);
}


/* EXTENDED COPY (LID1) within this LUN: identification CSCDs naming it,
 * block-to-block segments; anything else is refused. */
static void
testMemXcopy(testMemLun *mem,
             virSCSICmd *cmd,
             testMemLunEvent *ev)
{
    size_t bs = mem->profile.blockSize;
    const uint8_t *p = cmd->data;
    size_t cscdLen;
    size_t segLen;
    size_t off;

    if (!mem->profile.xcopy || (cmd->cdb[1] & 0x1F) != 0x00) {
        testMemIllegal(cmd, 0x20);
        return;
    }
    if (cmd->dataLen < 16) {
        testMemIllegal(cmd, 0x26);
        return;
    }
    cscdLen = virSCSIGetBE16(p + 2);
    segLen = virSCSIGetBE32(p + 8);
    if (16 + cscdLen + segLen > cmd->dataLen || cscdLen % 32 || segLen % 28) {
        testMemIllegal(cmd, 0x26);
        return;
    }
    for (off = 16; off < 16 + cscdLen; off += 32) {
        if (p[off] != 0xE4 || p[off + 7] != sizeof(mem->naa) ||
            memcmp(p + off + 8, mem->naa, sizeof(mem->naa)) != 0) {
            testMemIllegal(cmd, 0x26);
            return;
        }
    }
    for (off = 16 + cscdLen; off < 16 + cscdLen + segLen; off += 28) {
        uint64_t n = virSCSIGetBE16(p + off + 10);
        uint64_t src = virSCSIGetBE64(p + off + 12);
        uint64_t dst = virSCSIGetBE64(p + off + 20);

        if (p[off] != 0x02 || !testMemRange(mem, cmd, src, n) ||
            !testMemRange(mem, cmd, dst, n)) {
            if (cmd->status == VIR_SCSI_STATUS_GOOD)
                testMemIllegal(cmd, 0x26);
            return;
        }
        memmove(mem->data + dst * bs, mem->data + src * bs, n * bs);
        memset(mem->mapped + dst, 1, n);
        if (!ev->nblocks)
            ev->lba = dst;
        ev->nblocks += n;
    }
}


/* ---- Persistent reservations (SPC-4 5.14), each session a nexus ---- */

#define MEM_PR_KEY(mem, i) g_array_index((mem)->prKey, uint64_t, (i))

static bool
testMemPrAllRegistrants(const testMemLun *mem)
{
    return mem->prType == 0x7 || mem->prType == 0x8;
}


/* Whether @session may write under the reservation: no reservation,
 * a registrants type and a key, or the holder. */
static bool
testMemPrMayWrite(testMemLun *mem,
                  unsigned int session)
{
    uint64_t key = MEM_PR_KEY(mem, session);

    switch (mem->prType) {
    case 0:
        return true;
    case 0x5: case 0x6: case 0x7: case 0x8:
        return key != 0;
    default:
        return key != 0 && key == mem->prHolder;
    }
}


static void
testMemPrConflict(virSCSICmd *cmd)
{
    cmd->status = VIR_SCSI_STATUS_RESERVATION_CONFLICT;
}


/* Drop every registration but @keep's that holds @victim; abort their
 * sessions' commands when asked.  Returns how many. */
static unsigned int
testMemPrRemove(testMemLun *mem,
                uint64_t victim,
                unsigned int keep,
                bool abort)
{
    unsigned int removed = 0;
    unsigned int i;

    for (i = 0; i < mem->sessions; i++) {
        if (i == keep || MEM_PR_KEY(mem, i) != victim)
            continue;
        MEM_PR_KEY(mem, i) = 0;
        if (abort)
            g_array_index(mem->prAborts, guint, i)++;
        removed++;
    }
    return removed;
}


static bool
testMemPrAnyRegistered(testMemLun *mem)
{
    unsigned int i;

    for (i = 0; i < mem->sessions; i++) {
        if (MEM_PR_KEY(mem, i))
            return true;
    }
    return false;
}


static void
testMemPrOut(testMemLun *mem,
             virSCSICmd *cmd,
             unsigned int session)
{
    uint8_t action = cmd->cdb[1] & 0x1F;
    uint8_t type = cmd->cdb[2] & 0x0F;
    uint64_t mine = MEM_PR_KEY(mem, session);
    uint64_t key;
    uint64_t saKey;

    if (cmd->dataLen < 24) {
        testMemIllegal(cmd, 0x1A);              /* PARAMETER LIST LENGTH ERROR */
        return;
    }
    key = virSCSIGetBE64((const uint8_t *)cmd->data);
    saKey = virSCSIGetBE64((const uint8_t *)cmd->data + 8);

    switch (action) {
    case 0x00:                                  /* REGISTER */
    case 0x06:                                  /* REGISTER AND IGNORE EXISTING KEY */
        if (action == 0x00 && key != mine) {
            testMemPrConflict(cmd);
            return;
        }
        MEM_PR_KEY(mem, session) = saKey;
        mem->prGeneration++;
        /* The last registrant gone takes an all-registrants reservation
         * with it; the holder's unregistering releases the others. */
        if (!saKey && mem->prType &&
            (testMemPrAllRegistrants(mem) ? !testMemPrAnyRegistered(mem) :
             mine == mem->prHolder)) {
            mem->prType = 0;
            mem->prHolder = 0;
        }
        return;
    case 0x01:                                  /* RESERVE */
        if (!mine || key != mine) {
            testMemPrConflict(cmd);
        } else if (!mem->prType) {
            mem->prType = type;
            mem->prHolder = testMemPrAllRegistrants(mem) ? 0 : mine;
        } else if (mem->prType != type ||
                   (!testMemPrAllRegistrants(mem) && mem->prHolder != mine)) {
            testMemPrConflict(cmd);
        }
        return;
    case 0x04:                                  /* PREEMPT */
    case 0x05:                                  /* PREEMPT AND ABORT */
        if (!mine || key != mine || !saKey) {
            testMemPrConflict(cmd);
            return;
        }
        /* As LIO does: removing no registration is a conflict. */
        if (!testMemPrRemove(mem, saKey, session, action == 0x05)) {
            testMemPrConflict(cmd);
            return;
        }
        if (mem->prType && !testMemPrAllRegistrants(mem) && mem->prHolder == saKey) {
            mem->prType = type;
            mem->prHolder = mine;
        }
        mem->prGeneration++;
        return;
    case 0x03:                                  /* CLEAR */
        if (!mine || key != mine) {
            testMemPrConflict(cmd);
            return;
        }
        memset(mem->prKey->data, 0, mem->sessions * sizeof(uint64_t));
        mem->prType = 0;
        mem->prHolder = 0;
        mem->prGeneration++;
        return;
    default:
        testMemIllegal(cmd, 0x24);
        return;
    }
}


static void
testMemPrIn(testMemLun *mem,
            virSCSICmd *cmd)
{
    g_autofree uint8_t *buf = g_new0(uint8_t, 8 + 8 * (size_t)mem->sessions + 16);
    size_t len = 8;
    unsigned int i;

    virSCSIPutBE32(buf, mem->prGeneration);
    switch (cmd->cdb[1] & 0x1F) {
    case 0x00:                                  /* READ KEYS */
        for (i = 0; i < mem->sessions; i++) {
            if (!MEM_PR_KEY(mem, i))
                continue;
            virSCSIPutBE64(buf + len, MEM_PR_KEY(mem, i));
            len += 8;
        }
        break;
    case 0x01:                                  /* READ RESERVATION */
        if (mem->prType) {
            virSCSIPutBE64(buf + 8, mem->prHolder);
            buf[21] = mem->prType;
            len = 24;
        }
        break;
    case 0x02:                                  /* REPORT CAPABILITIES */
        memset(buf, 0, 8);
        buf[1] = 8;
        buf[3] = 0x80;                          /* TMV */
        buf[4] = 0xEA;                          /* types 1, 3, 5, 6, 7 */
        buf[5] = 0x01;                          /* type 8 */
        testMemDataIn(cmd, buf, 8);
        return;
    default:
        testMemIllegal(cmd, 0x24);
        return;
    }
    virSCSIPutBE32(buf + 4, len - 8);
    testMemDataIn(cmd, buf, len);
}


/* What an event records of @cdb: the range it names (READ, WRITE,
 * COMPARE AND WRITE, WRITE SAME(16)) and whether it changes the medium. */
static void
testMemEventOf(const uint8_t *cdb,
               testMemLunEvent *ev)
{
    switch (cdb[0]) {
    case 0x88: case 0x8A: case 0x93:
        ev->lba = virSCSIGetBE64(cdb + 2);
        ev->nblocks = virSCSIGetBE32(cdb + 10);
        break;
    case 0x89:
        ev->lba = virSCSIGetBE64(cdb + 2);
        ev->nblocks = cdb[13];
        break;
    }
    ev->writes = virSCSICdbChangesMedium(cdb[0]);
}


/* Execute @cmd on the medium (called with mem->lock held). */
static void
testMemExec(testMemLun *mem,
            virSCSICmd *cmd,
            testMemLunEvent *ev)
{
    size_t bs = mem->profile.blockSize;
    const uint8_t *c = cmd->cdb;
    uint64_t lba = ev->lba;
    uint64_t n = ev->nblocks;

    cmd->status = VIR_SCSI_STATUS_GOOD;
    switch (c[0]) {
    case 0x00:                                          /* TEST UNIT READY */
    case 0x35:                                          /* SYNCHRONIZE CACHE */
        break;
    case 0x12:
        testMemInquiry(mem, cmd);
        break;
    case 0x9E:
        if ((c[1] & 0x1F) == 0x10)
            testMemReadCapacity(mem, cmd);
        else
            testMemIllegal(cmd, 0x24);
        break;
    case 0x88:                                          /* READ(16) */
        if (!testMemRange(mem, cmd, lba, n))
            break;
        if (cmd->dataLen != n * bs) {
            testMemIllegal(cmd, 0x24);
            break;
        }
        testMemReadData(mem, lba, n, cmd->data);
        break;
    case 0x8A:                                          /* WRITE(16) */
        if (!testMemRange(mem, cmd, lba, n))
            break;
        if (cmd->dataLen != n * bs) {
            testMemIllegal(cmd, 0x24);
            break;
        }
        memcpy(mem->data + lba * bs, cmd->data, n * bs);
        memset(mem->mapped + lba, 1, n);
        break;
    case 0x89:                                          /* COMPARE AND WRITE */
        if (testMemRange(mem, cmd, lba, n))
            testMemCompareAndWrite(mem, cmd, lba, n);
        break;
    case 0x93:                                          /* WRITE SAME(16) */
        if (testMemRange(mem, cmd, lba, n))
            testMemWriteSame(mem, cmd, lba, n);
        break;
    case 0x42:                                          /* UNMAP */
        testMemUnmap(mem, cmd);
        break;
    case 0x83:                                          /* EXTENDED COPY */
        testMemXcopy(mem, cmd, ev);
        break;
    case 0x5E:                                          /* PERSISTENT RESERVE IN */
    case 0x5F:                                          /* PERSISTENT RESERVE OUT */
        if (!mem->profile.reservations)
            testMemIllegal(cmd, 0x20);
        else if (c[0] == 0x5E)
            testMemPrIn(mem, cmd);
        else
            testMemPrOut(mem, cmd, ev->session);
        break;
    case 0x84:                                          /* RECEIVE COPY RESULTS */
        if (mem->profile.xcopy && (c[1] & 0x1F) == 0x03)
            testMemCopyParams(cmd);
        else
            testMemIllegal(cmd, mem->profile.xcopy ? 0x24 : 0x20);
        break;
    default:
        testMemIllegal(cmd, 0x20);
        break;
    }
}


static int
testMemTransportExec(virSCSITransport *transport,
                     virSCSICmd *cmd,
                     GError **error)
{
    testMemSession *sess = transport->priv;
    testMemLun *mem = sess->mem;
    testMemLunEvent ev = { .session = sess->id, .opcode = cmd->cdb[0] };
    testMemLunAction action = TEST_MEM_LUN_RUN;
    testMemLunHook hook;
    void *opaque;
    guint aborts;

    ev.issuedUs = testMemLunNowUs();
    g_mutex_lock(&mem->lock);
    aborts = g_array_index(mem->prAborts, guint, sess->id);
    g_mutex_unlock(&mem->lock);
    g_mutex_lock(&sess->lock);
    ev.arrivedUs = testMemLunNowUs();
    g_mutex_lock(&mem->lock);
    hook = mem->hook;
    opaque = mem->hookOpaque;
    g_mutex_unlock(&mem->lock);
    if (hook)
        action = hook(mem, sess->id, cmd, opaque);

    g_mutex_lock(&mem->lock);
    testMemEventOf(cmd->cdb, &ev);
    /* A command queued when its session's key was preempted with ABORT
     * is gone; one that arrives later from a session without a key that
     * may write is refused. */
    if (action == TEST_MEM_LUN_RUN &&
        g_array_index(mem->prAborts, guint, sess->id) != aborts)
        action = TEST_MEM_LUN_ABORTED;
    else if (action == TEST_MEM_LUN_RUN && ev.writes && !testMemPrMayWrite(mem, sess->id))
        action = TEST_MEM_LUN_CONFLICT;
    ev.action = action;
    switch (action) {
    case TEST_MEM_LUN_RUN:
        /* Time the arrival after the hook: a stall in the hook stands for
         * a command that took that long to reach the medium. */
        ev.arrivedUs = testMemLunNowUs();
        testMemExec(mem, cmd, &ev);
        break;
    case TEST_MEM_LUN_IGNORE:
        cmd->status = VIR_SCSI_STATUS_GOOD;
        break;
    case TEST_MEM_LUN_REFUSE:
        testMemIllegal(cmd, 0x20);
        break;
    case TEST_MEM_LUN_BUSY:
        cmd->status = VIR_SCSI_STATUS_BUSY;
        break;
    case TEST_MEM_LUN_WRITE_ERROR:
        testMemSense(cmd, VIR_SCSI_SENSE_KEY_MEDIUM_ERROR, 0x0C, 0x00, false, 0);
        break;
    case TEST_MEM_LUN_UNIT_ATTENTION:
        /* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
        testMemSense(cmd, VIR_SCSI_SENSE_KEY_UNIT_ATTENTION, 0x29, 0x00, false, 0);
        break;
    case TEST_MEM_LUN_CONFLICT:
        testMemPrConflict(cmd);
        break;
    case TEST_MEM_LUN_FAIL:
    case TEST_MEM_LUN_ABORTED:
        break;
    }
    g_array_append_val(mem->events, ev);
    g_mutex_unlock(&mem->lock);
    g_mutex_unlock(&sess->lock);

    if (action == TEST_MEM_LUN_FAIL || action == TEST_MEM_LUN_ABORTED) {
        /* An aborted task gets no answer: the initiator times out. */
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: the in-memory target %s command 0x%02x", transport->target,
                    action == TEST_MEM_LUN_FAIL ? "failed" : "aborted", cmd->cdb[0]);
        return -1;
    }
    return 0;
}


static void
testMemTransportClose(virSCSITransport *transport)
{
    testMemSession *sess = transport->priv;

    g_mutex_clear(&sess->lock);
    g_free(sess);
}


static const virSCSITransportOps testMemTransportOps = {
    .name = "memory",
    .exec = testMemTransportExec,
    .close = testMemTransportClose,
};


virSCSITransport *
testMemLunConnect(testMemLun *mem)
{
    testMemSession *sess = g_new0(testMemSession, 1);

    sess->mem = mem;
    g_mutex_init(&sess->lock);
    g_mutex_lock(&mem->lock);
    sess->id = mem->sessions++;
    g_array_set_size(mem->prKey, mem->sessions);
    g_array_set_size(mem->prAborts, mem->sessions);
    g_mutex_unlock(&mem->lock);
    return virSCSITransportNew(&testMemTransportOps, sess, "mem:lun");
}


static virSCSITransport *
testMemLunOpenExtra(const virSCSILun *lun G_GNUC_UNUSED,
                    void *opaque,
                    GError **error G_GNUC_UNUSED)
{
    return testMemLunConnect(opaque);
}


virSCSILun *
testMemLunOpen(testMemLun *mem,
               GError **error)
{
    virSCSILun *lun = virSCSILunOpenTransport(testMemLunConnect(mem), "mem:lun", NULL, error);

    if (lun) {
        lun->openExtra = testMemLunOpenExtra;
        lun->openExtraOpaque = mem;
    }
    return lun;
}


guint
testMemLunTears(testMemLun *mem)
{
    guint n;

    g_mutex_lock(&mem->lock);
    n = mem->tears;
    g_mutex_unlock(&mem->lock);
    return n;
}
