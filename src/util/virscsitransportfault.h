/*
 * virscsitransportfault.h: a transport that wraps a real one and injects
 *                          the faults no real target produces on demand
 *
 * Tests run against a real array; this wrapper only adds what the array
 * will not do when asked: refuse the Nth EXTENDED COPY, lose a reply,
 * drop the connection in the middle of an operation.
 *
 * A spec is a list of rules separated by ';', each a list of key=value
 * separated by ',':
 *
 *   op=0x83,sa=0x00,nth=3,sense=0x0a/0x0d/0x02
 *   op=0x8a,nth=5,action=drop
 *   op=0x83,nth=2,action=lost-reply
 *   op=0x42,nth=1,repeat,sense=0x05/0x20/0x00
 *
 *   op=N          opcode to match (required)
 *   sa=N          service action to match too: CDB byte 1 bits 4-0, or
 *                 bytes 8-9 for 0x7F; only for opcodes that have one
 *   nth=N         fire on the Nth matching command, 1-based (default 1)
 *   repeat        ...and on every matching command after it
 *   action=A      sense:      complete with CHECK CONDITION, not sent
 *                 fail:       transport error, not sent
 *                 lost-reply: sent to the array, then transport error
 *                 drop:       transport error, not sent, and every later
 *                             command fails the same way
 *                 (default: sense when sense= or status= is given,
 *                 else required)
 *   sense=K/A/Q   sense key, ASC, ASCQ (fixed format)
 *   info=N        the sense INFORMATION field (VALID=1), 32 bits
 *   segment=N     SEGMENT POINTER (SD=1) at the Nth segment descriptor,
 *                 0-based, of the command's own EXTENDED COPY (LID1)
 *                 list.  The pointer claims segments 0..N-1 done, so the
 *                 wrapper makes that true: the array gets the command cut
 *                 to those N segments, and only if it copies them is the
 *                 reply replaced by this sense.  (A list it cannot walk
 *                 gets the sense without a pointer, nothing sent.)
 *   status=N      with action=sense: a status other than CHECK CONDITION
 *                 (BUSY 0x08, TASK SET FULL 0x28), then without sense=
 *
 * Numbers are decimal or 0x-prefixed hex.  Every rule counts each command
 * it matches; when several would fire on one command the first wins.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsitransport.h"

typedef enum {
    VIR_SCSI_FAULT_SENSE,       /* complete with a status, never sent */
    VIR_SCSI_FAULT_FAIL,        /* transport error, never sent */
    VIR_SCSI_FAULT_LOST_REPLY,  /* sent, then transport error */
    VIR_SCSI_FAULT_DROP,        /* transport error from then on */

    VIR_SCSI_FAULT_LAST
} virSCSIFaultAction;

const char *
virSCSIFaultActionName(virSCSIFaultAction action);

typedef struct _virSCSIFaultRule virSCSIFaultRule;
struct _virSCSIFaultRule {
    uint8_t opcode;
    bool hasServiceAction;
    uint16_t serviceAction;
    uint64_t nth;               /* 1-based */
    bool repeat;
    virSCSIFaultAction action;

    /* VIR_SCSI_FAULT_SENSE */
    uint8_t status;             /* CHECK CONDITION unless status= said */
    bool hasSense;
    uint8_t senseKey;
    uint8_t asc;
    uint8_t ascq;
    bool hasInformation;
    uint32_t information;
    bool hasSegment;
    uint32_t segment;
};

typedef struct _virSCSIFaultSpec virSCSIFaultSpec;
struct _virSCSIFaultSpec {
    virSCSIFaultRule *rules;
    size_t nrules;
};

/* An empty string is a spec without rules: a wrapper that only counts. */
virSCSIFaultSpec *
virSCSIFaultSpecParse(const char *text,
                      GError **error);

/* The canonical text of a spec; parsing it gives the same rules. */
char *
virSCSIFaultSpecFormat(const virSCSIFaultSpec *spec);

void
virSCSIFaultSpecFree(virSCSIFaultSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSCSIFaultSpec, virSCSIFaultSpecFree);

/*
 * Wrap @inner (owned from now on, freed with the wrapper) with the rules
 * of @spec (copied: each wrapper counts for itself).
 *
 * Counters: the wrapper's own stats (virSCSITransportGetStats) are kept by
 * virSCSITransportExec as for any transport, so they are what a real
 * transport would show had the array really behaved so: an injected
 * status is a completed command that moved no payload, an injected
 * connection loss a failure that moved none either (as on a real link,
 * where a command without a reply counts no bytes).  What really crossed
 * the link, lost replies included, is the inner transport's:
 * virSCSITransportFaultInnerStats().
 */
virSCSITransport *
virSCSITransportFaultWrap(virSCSITransport *inner,
                          const virSCSIFaultSpec *spec);

bool
virSCSITransportIsFault(virSCSITransport *transport);

/* How often rule @rule matched a command / fired; 0 for a transport that
 * is not a fault wrapper or a rule it does not have. */
uint64_t
virSCSITransportFaultMatched(virSCSITransport *transport,
                             size_t rule);

uint64_t
virSCSITransportFaultFired(virSCSITransport *transport,
                           size_t rule);

/* All rules together. */
uint64_t
virSCSITransportFaultFiredTotal(virSCSITransport *transport);

/* A drop rule fired: the connection is gone for good. */
bool
virSCSITransportFaultDropped(virSCSITransport *transport);

/* Returns false (and zeroes @stats) unless @transport is a fault wrapper. */
bool
virSCSITransportFaultInnerStats(virSCSITransport *transport,
                                virSCSITransportStats *stats);
