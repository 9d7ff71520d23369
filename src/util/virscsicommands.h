/*
 * virscsicommands.h: one function per SCSI command the engine sends:
 *                    encode, run, decode, nothing more
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsitransport.h"
#include "virscsiparam.h"
#include "virscsicapacity.h"
#include "virscsitpc.h"
#include "virscsipr.h"

int
virSCSICommandRead(virSCSITransport *transport,
                   uint64_t lba,
                   uint32_t nblocks,
                   uint32_t blockSize,
                   uint8_t *buf,
                   GError **error);

int
virSCSICommandWrite(virSCSITransport *transport,
                    uint64_t lba,
                    uint32_t nblocks,
                    uint32_t blockSize,
                    const uint8_t *buf,
                    GError **error);

/* WRITE SAME(10 or 16) of one block of zeros, with UNMAP if asked. */
int
virSCSICommandWriteSameZero(virSCSITransport *transport,
                            uint8_t cdbSize,
                            uint64_t lba,
                            uint32_t nblocks,
                            uint32_t blockSize,
                            bool unmap,
                            GError **error);

int
virSCSICommandUnmap(virSCSITransport *transport,
                    const virSCSILbaRange *ranges,
                    size_t nranges,
                    GError **error);

/* Returns 0 when written, 1 on MISCOMPARE with *offset set to the first
 * differing byte (when the sense carried it, else UINT64_MAX), -1 on
 * error. */
int
virSCSICommandCompareAndWrite(virSCSITransport *transport,
                              uint64_t lba,
                              uint32_t nblocks,
                              uint32_t blockSize,
                              const uint8_t *expected,
                              const uint8_t *replacement,
                              uint64_t *offset,
                              GError **error);

/* EXTENDED COPY (LID1), block to block segments.  On failure, when the
 * sense says how far the copy got, *segmentsDone is set to the number of
 * segments known complete (else 0). */
int
virSCSICommandExtendedCopy(virSCSITransport *transport,
                           const virSCSIXcopyCscdId *cscds,
                           size_t ncscds,
                           const virSCSIXcopySegment *segments,
                           size_t nsegments,
                           unsigned int timeoutMs,
                           size_t *segmentsDone,
                           GError **error);

int
virSCSICommandGetLbaStatus(virSCSITransport *transport,
                           uint64_t lba,
                           virSCSILbaStatus *status,
                           GError **error);

/* Token copy: POPULATE TOKEN on the source, RECEIVE ROD TOKEN
 * INFORMATION for the token, WRITE USING TOKEN on the destination. */
int
virSCSICommandPopulateToken(virSCSITransport *transport,
                            uint32_t listId,
                            const virSCSILbaRange *ranges,
                            size_t nranges,
                            uint8_t *token,
                            GError **error);

int
virSCSICommandWriteUsingToken(virSCSITransport *transport,
                              uint32_t listId,
                              const uint8_t *token,
                              const virSCSILbaRange *ranges,
                              size_t nranges,
                              GError **error);

/* An XCOPY CSCD identification descriptor naming a LUN, from its caps. */
struct _virSCSILunCaps;
int
virSCSICommandCscdFromCaps(const struct _virSCSILunCaps *caps,
                           virSCSIXcopyCscdId *cscd,
                           GError **error);


/* PERSISTENT RESERVE OUT with the basic parameter list: @key is this
 * session's registered key (0 if none), @saKey the new key of a REGISTER
 * or the victim's of a PREEMPT.  A refusal is RESERVATION_CONFLICT. */
int
virSCSICommandPersistentReserveOut(virSCSITransport *transport,
                                   virSCSIPrOutAction action,
                                   virSCSIPrType type,
                                   uint64_t key,
                                   uint64_t saKey,
                                   GError **error);

/* REGISTER @key, from a session not registered yet, for every session of
 * the iSCSI initiator @iscsiName (SPEC_I_PT, a TransportID without ISID). */
int
virSCSICommandRegisterInitiator(virSCSITransport *transport,
                                uint64_t key,
                                const char *iscsiName,
                                GError **error);

/* PERSISTENT RESERVE IN: READ KEYS (clear @keys after use), READ
 * RESERVATION, REPORT CAPABILITIES. */
int
virSCSICommandReadKeys(virSCSITransport *transport,
                       virSCSIPrKeys *keys,
                       GError **error);

int
virSCSICommandReadReservation(virSCSITransport *transport,
                              virSCSIPrReservation *res,
                              GError **error);

int
virSCSICommandReportPrCapabilities(virSCSITransport *transport,
                                   virSCSIPrCapabilities *caps,
                                   GError **error);
