/*
 * memlun.h: an in-memory LUN, a scripted SCSI target for races and stalls
 *
 * The real tests run against LIO; this target exists for what LIO cannot
 * be made to do on demand: hold one command for a chosen time, complete
 * UNMAP without unmapping, fail a command, and tell exactly when each
 * command reached it.  It speaks the SBC subset the pool and the engine
 * use (INQUIRY and the Block Limits and Logical Block Provisioning pages,
 * READ CAPACITY, READ/WRITE(16), COMPARE AND WRITE, WRITE SAME(16), UNMAP)
 * and, when the profile asks, EXTENDED COPY (LID1) within the LUN, with
 * a Device Identification page and RECEIVE COPY OPERATING PARAMETERS, and
 * persistent reservations (each session an I_T nexus of its own).  Every
 * connection is a session with its own lock held for a whole command, as
 * a real transport's is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsilun.h"

typedef struct _testMemLun testMemLun;

typedef struct _testMemLunProfile testMemLunProfile;
struct _testMemLunProfile {
    uint64_t blocks;
    uint32_t blockSize;         /* 512 or 4096 */
    bool lbprz;                 /* unmapped blocks read as zeros */
    bool ignoreUnmap;           /* UNMAP answers GOOD and does nothing, as
                                 * SBC allows; WRITE SAME with UNMAP writes */
    uint32_t maxWriteSame;      /* MAXIMUM WRITE SAME LENGTH; 0: 65536 */
    bool xcopy;                 /* a copy manager: EXTENDED COPY (LID1) */
    uint32_t unmapGranularity;  /* OPTIMAL UNMAP GRANULARITY; 0: 8 blocks.
                                 * UNMAP frees whole granules only */
    uint32_t unmapAlignment;    /* UNMAP GRANULARITY ALIGNMENT (UGAVALID) */
    bool reservations;          /* persistent reservations: keys per session,
                                 * Write Exclusive (- Registrants Only / All
                                 * Registrants), PREEMPT AND ABORT */
    bool tornReads;             /* the first READ of a block after a COMPARE
                                 * AND WRITE changed it meets that write in
                                 * flight, as LIO's fileio backstore lets it:
                                 * its first half new, its second half old */
};

/* What a hook makes of one command. */
typedef enum {
    TEST_MEM_LUN_RUN,           /* execute it */
    TEST_MEM_LUN_IGNORE,        /* GOOD, nothing done */
    TEST_MEM_LUN_FAIL,          /* transport error, nothing done */
    TEST_MEM_LUN_REFUSE,        /* ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE */
    TEST_MEM_LUN_BUSY,          /* BUSY status */
    TEST_MEM_LUN_WRITE_ERROR,   /* MEDIUM ERROR, WRITE ERROR: worth a retry */
    TEST_MEM_LUN_UNIT_ATTENTION, /* UNIT ATTENTION, not executed: resent at once */
    /* What the target made of a command a hook let run; never returned
     * by a hook: */
    TEST_MEM_LUN_CONFLICT,      /* RESERVATION CONFLICT: the session holds no key
                                 * the reservation lets write */
    TEST_MEM_LUN_ABORTED,       /* aborted by a PREEMPT AND ABORT of its session's
                                 * key while it waited: nothing done */
} testMemLunAction;

/* Called on the issuing thread, inside the session's lock, before the
 * command runs: it may sleep (a stall) or pick an action. */
typedef testMemLunAction (*testMemLunHook)(testMemLun *mem,
                                           unsigned int session,
                                           const virSCSICmd *cmd,
                                           void *opaque);

/* One command as the target saw it. */
typedef struct _testMemLunEvent testMemLunEvent;
struct _testMemLunEvent {
    unsigned int session;
    uint8_t opcode;
    uint64_t lba;
    uint64_t nblocks;
    gint64 issuedUs;            /* CLOCK_BOOTTIME, as the lease measures:
                                 * when the initiator handed it over */
    gint64 arrivedUs;           /* ...when it reached the medium (after
                                 * the session's queue and the hook) */
    testMemLunAction action;
    bool writes;                /* changes the medium */
};

testMemLun *
testMemLunNew(const testMemLunProfile *profile);

void
testMemLunFree(testMemLun *mem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(testMemLun, testMemLunFree);

void
testMemLunSetHook(testMemLun *mem,
                  testMemLunHook hook,
                  void *opaque);

/* A new session (transport) to the LUN. */
virSCSITransport *
testMemLunConnect(testMemLun *mem);

/* The LUN opened as the engine opens one: probed over a first session,
 * further sessions made by testMemLunConnect. */
virSCSILun *
testMemLunOpen(testMemLun *mem,
               GError **error);

/* A hook that refuses (INVALID COMMAND OPERATION CODE) every command of
 * the opcode GUINT_TO_POINTER(opcode) in @opaque, and runs the rest: a LUN
 * that advertises what it does not do. */
testMemLunAction
testMemLunRefuseOpcode(testMemLun *mem,
                       unsigned int session,
                       const virSCSICmd *cmd,
                       void *opaque);

/* How many commands of @opcode arrived since the events were last taken;
 * takes (forgets) them. */
size_t
testMemLunTakeCount(testMemLun *mem,
                    uint8_t opcode);

/* Copy of the events so far (testMemLunEvent), and forget them. */
GArray *
testMemLunTakeEvents(testMemLun *mem);

/* Direct access to the medium, outside any command. */
void
testMemLunRead(testMemLun *mem,
               uint64_t lba,
               uint64_t nblocks,
               uint8_t *buf);

void
testMemLunWrite(testMemLun *mem,
                uint64_t lba,
                uint64_t nblocks,
                const uint8_t *buf);

/* Blocks in [lba, lba + nblocks) that are mapped (written since the last
 * deallocation). */
uint64_t
testMemLunMapped(testMemLun *mem,
                 uint64_t lba,
                 uint64_t nblocks);

/* Monotonic time that counts suspend: what the lease code uses. */
gint64
testMemLunNowUs(void);

/* How many READs came back torn (profile tornReads): blocks whose second
 * half differed from what the LUN held. */
guint
testMemLunTears(testMemLun *mem);
