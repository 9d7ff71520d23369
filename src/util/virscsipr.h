/*
 * virscsipr.h: persistent reservations (SPC-4 PERSISTENT RESERVE IN and
 *              OUT): CDBs, the OUT parameter list and the IN replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The pool fences a host it presumes dead with them: every session of a
 * live host registers the host's key, a Write Exclusive - All Registrants
 * reservation makes the array refuse writes from any session that is not
 * registered, and the host that takes over a dead host's work first
 * removes that host's key with PREEMPT AND ABORT, which also aborts its
 * commands still queued at the target (docs/lease-protocol.md).
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

/* Service actions of PERSISTENT RESERVE IN (0x5E). */
typedef enum {
    VIR_SCSI_PRIN_READ_KEYS = 0x00,
    VIR_SCSI_PRIN_READ_RESERVATION = 0x01,
    VIR_SCSI_PRIN_REPORT_CAPABILITIES = 0x02,
} virSCSIPrInAction;

/* Service actions of PERSISTENT RESERVE OUT (0x5F). */
typedef enum {
    VIR_SCSI_PROUT_REGISTER = 0x00,
    VIR_SCSI_PROUT_RESERVE = 0x01,
    VIR_SCSI_PROUT_RELEASE = 0x02,
    VIR_SCSI_PROUT_CLEAR = 0x03,
    VIR_SCSI_PROUT_PREEMPT = 0x04,
    VIR_SCSI_PROUT_PREEMPT_AND_ABORT = 0x05,
    VIR_SCSI_PROUT_REGISTER_AND_IGNORE = 0x06,
    VIR_SCSI_PROUT_REGISTER_AND_MOVE = 0x07,

    VIR_SCSI_PROUT_LAST
} virSCSIPrOutAction;

/* Reservation types (the TYPE field). */
typedef enum {
    VIR_SCSI_PR_TYPE_NONE = 0x0,                /* no reservation (replies only) */
    VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE = 0x1,
    VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS = 0x3,
    VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_RO = 0x5,  /* registrants only */
    VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_RO = 0x6,
    VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR = 0x7,  /* all registrants */
    VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_AR = 0x8,
} virSCSIPrType;

/* The basic PERSISTENT RESERVE OUT parameter list (no TransportIDs). */
#define VIR_SCSI_PROUT_PARAM_LEN 24
/* An iSCSI name is at most 223 bytes (RFC 3720 3.2.6.1). */
#define VIR_SCSI_ISCSI_NAME_MAX 223
/* The longest list ...OutName() writes: 24 + 4 + a TransportID of 4 bytes
 * and the name, NUL-terminated, padded to a multiple of 4. */
#define VIR_SCSI_PROUT_NAME_PARAM_MAX (28 + 4 + 224)
/* PRGENERATION and ADDITIONAL LENGTH before the keys of READ KEYS. */
#define VIR_SCSI_PRIN_HEADER_LEN 8
#define VIR_SCSI_PRIN_RESERVATION_LEN 24
#define VIR_SCSI_PRIN_CAPABILITIES_LEN 8

/*
 * virSCSICdbPersistentReserveIn:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @action: SERVICE ACTION (byte 1 bits 4-0)
 * @allocLen: ALLOCATION LENGTH (bytes 7-8)
 *
 * Returns 10.
 */
size_t
virSCSICdbPersistentReserveIn(uint8_t *cdb,
                              virSCSIPrInAction action,
                              uint16_t allocLen);

/*
 * virSCSICdbPersistentReserveOut:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @action: SERVICE ACTION (byte 1 bits 4-0)
 * @type: TYPE (byte 2 bits 3-0); SCOPE (bits 7-4) is LU_SCOPE, 0
 * @paramLen: PARAMETER LIST LENGTH (bytes 5-8)
 * @error: return location for a GError
 *
 * Returns 10, or -1 when @action or @type is not one SPC-4 defines.
 */
int
virSCSICdbPersistentReserveOut(uint8_t *cdb,
                               virSCSIPrOutAction action,
                               virSCSIPrType type,
                               uint32_t paramLen,
                               GError **error);

/*
 * virSCSIParamPersistentReserveOut:
 * @buf: VIR_SCSI_PROUT_PARAM_LEN bytes
 * @key: RESERVATION KEY (bytes 0-7): the sender's registered key, 0 if
 *       none
 * @saKey: SERVICE ACTION RESERVATION KEY (bytes 8-15): the new key of a
 *         REGISTER (0 unregisters), the victim's key of a PREEMPT
 *
 * SPEC_I_PT, ALL_TG_PT and APTPL (byte 20) are 0: each session registers
 * itself, and registrations end with the target's power (a host that comes
 * back joins again).  Returns VIR_SCSI_PROUT_PARAM_LEN.
 */
size_t
virSCSIParamPersistentReserveOut(uint8_t *buf,
                                 uint64_t key,
                                 uint64_t saKey);

/*
 * virSCSIParamPersistentReserveOutName:
 * @buf: where to write the list
 * @buflen: size of @buf
 * @saKey: SERVICE ACTION RESERVATION KEY, the key to register
 * @iscsiName: the iSCSI initiator name to register
 * @error: return location for a GError
 *
 * The parameter list of a REGISTER with SPEC_I_PT set: the basic list
 * (RESERVATION KEY 0: the sender is not registered yet), then TRANSPORTID
 * PARAMETER DATA LENGTH (bytes 24-27) and one iSCSI TransportID of format
 * 00b (SPC-4 7.6.4.6): the initiator device by name, without an ISID, so
 * that the registration holds for every session that initiator opens
 * (what a host needs on a target that keeps registrations per initiator,
 * as LIO does for reservation holders, and for sessions QEMU opens under
 * the host's name).  Returns the length, or -1 (INVALID_ARG) when the name
 * is empty, longer than 223 bytes (the iSCSI limit) or @buflen too short.
 */
ssize_t
virSCSIParamPersistentReserveOutName(uint8_t *buf,
                                     size_t buflen,
                                     uint64_t saKey,
                                     const char *iscsiName,
                                     GError **error);

/* READ KEYS: the generation and the registered keys, one per I_T nexus
 * (a key appears once for each session that registered it). */
typedef struct _virSCSIPrKeys virSCSIPrKeys;
struct _virSCSIPrKeys {
    uint32_t generation;
    size_t nkeys;
    uint64_t *keys;
    size_t available;           /* keys the target has, maybe more than returned */
};

void
virSCSIPrKeysClear(virSCSIPrKeys *keys);

/* Parse a READ KEYS reply of @len bytes.  Keys beyond @len are counted in
 * ->available, not returned; a reply whose ADDITIONAL LENGTH is not a
 * multiple of 8 is MALFORMED. */
int
virSCSIPrKeysParse(const uint8_t *buf,
                   size_t len,
                   virSCSIPrKeys *keys,
                   GError **error);

bool
virSCSIPrKeysHas(const virSCSIPrKeys *keys,
                 uint64_t key);

/* READ RESERVATION: the reservation, if any. */
typedef struct _virSCSIPrReservation virSCSIPrReservation;
struct _virSCSIPrReservation {
    uint32_t generation;
    bool reserved;
    uint64_t key;               /* the holder's key (0 for all-registrants types) */
    virSCSIPrType type;
    uint8_t scope;
};

int
virSCSIPrReservationParse(const uint8_t *buf,
                          size_t len,
                          virSCSIPrReservation *res,
                          GError **error);

/* REPORT CAPABILITIES: what the pool needs to know of it. */
typedef struct _virSCSIPrCapabilities virSCSIPrCapabilities;
struct _virSCSIPrCapabilities {
    bool typeMaskValid;         /* TMV: the type mask below says something */
    uint16_t typeMask;          /* bit (1 << type) set: type supported */
    bool ptplCapable;
};

int
virSCSIPrCapabilitiesParse(const uint8_t *buf,
                           size_t len,
                           virSCSIPrCapabilities *caps,
                           GError **error);

bool
virSCSIPrCapabilitiesHasType(const virSCSIPrCapabilities *caps,
                             virSCSIPrType type);

const char *
virSCSIPrTypeName(virSCSIPrType type);
