/*
 * virscsipr.c: persistent reservations (SPC-4 6.15, 6.16): CDBs, the OUT
 *              parameter list and the IN replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsipr.h"
#include "virscsibytes.h"
#include "virscsicdb.h"
#include "virscsierror.h"


size_t
virSCSICdbPersistentReserveIn(uint8_t *cdb,
                              virSCSIPrInAction action,
                              uint16_t allocLen)
{
    memset(cdb, 0, VIR_SCSI_CDB_MAX);
    cdb[0] = VIR_SCSI_OP_PERSISTENT_RESERVE_IN;
    cdb[1] = action & 0x1F;                     /* SERVICE ACTION */
    virSCSIPutBE16(cdb + 7, allocLen);          /* ALLOCATION LENGTH */
    return 10;
}


static bool
virSCSIPrTypeValid(virSCSIPrType type)
{
    switch (type) {
    case VIR_SCSI_PR_TYPE_NONE:
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE:
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS:
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_RO:
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_RO:
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR:
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_AR:
        return true;
    }
    return false;
}


int
virSCSICdbPersistentReserveOut(uint8_t *cdb,
                               virSCSIPrOutAction action,
                               virSCSIPrType type,
                               uint32_t paramLen,
                               GError **error)
{
    memset(cdb, 0, VIR_SCSI_CDB_MAX);
    if ((unsigned int)action >= VIR_SCSI_PROUT_LAST || !virSCSIPrTypeValid(type)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "PERSISTENT RESERVE OUT: no service action %u with type %u",
                    (unsigned int)action, (unsigned int)type);
        return -1;
    }
    cdb[0] = VIR_SCSI_OP_PERSISTENT_RESERVE_OUT;
    cdb[1] = action & 0x1F;                     /* SERVICE ACTION */
    cdb[2] = type & 0x0F;                       /* SCOPE 0 (LU_SCOPE), TYPE */
    virSCSIPutBE32(cdb + 5, paramLen);          /* PARAMETER LIST LENGTH */
    return 10;
}


size_t
virSCSIParamPersistentReserveOut(uint8_t *buf,
                                 uint64_t key,
                                 uint64_t saKey)
{
    memset(buf, 0, VIR_SCSI_PROUT_PARAM_LEN);
    virSCSIPutBE64(buf + 0, key);               /* RESERVATION KEY */
    virSCSIPutBE64(buf + 8, saKey);             /* SERVICE ACTION RESERVATION KEY */
    /* 16-19 obsolete; 20: SPEC_I_PT, ALL_TG_PT, APTPL all 0 */
    return VIR_SCSI_PROUT_PARAM_LEN;
}


ssize_t
virSCSIParamPersistentReserveOutName(uint8_t *buf,
                                     size_t buflen,
                                     uint64_t saKey,
                                     const char *iscsiName,
                                     GError **error)
{
    size_t nameLen = iscsiName ? strlen(iscsiName) : 0;
    /* The name with its NUL, padded to a multiple of 4, at least 20. */
    size_t field = MAX(20, (nameLen + 1 + 3) & ~(size_t)3);
    size_t tidLen = 4 + field;
    size_t len = VIR_SCSI_PROUT_PARAM_LEN + 4 + tidLen;
    uint8_t *tid;

    if (nameLen == 0 || nameLen > VIR_SCSI_ISCSI_NAME_MAX || buflen < len) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot encode a TransportID for the iSCSI name '%s' in %zu bytes",
                    iscsiName ? iscsiName : "", buflen);
        return -1;
    }
    memset(buf, 0, len);
    virSCSIPutBE64(buf + 8, saKey);             /* SERVICE ACTION RESERVATION KEY */
    buf[20] = 0x08;                             /* SPEC_I_PT */
    virSCSIPutBE32(buf + 24, tidLen);           /* TRANSPORTID PARAMETER DATA LENGTH */
    tid = buf + 28;
    tid[0] = 0x05;                              /* FORMAT CODE 00b, PROTOCOL ID iSCSI */
    virSCSIPutBE16(tid + 2, field);             /* ADDITIONAL LENGTH */
    memcpy(tid + 4, iscsiName, nameLen);        /* ISCSI NAME, NUL and padding after */
    return len;
}


/* The 8-byte header every PERSISTENT RESERVE IN reply but REPORT
 * CAPABILITIES starts with: PRGENERATION, ADDITIONAL LENGTH.  Sets the
 * bytes the reply says follow and how many of them @len holds. */
static int
virSCSIPrInHeaderParse(const uint8_t *buf,
                       size_t len,
                       const char *what,
                       uint32_t *generation,
                       uint32_t *additional,
                       size_t *present,
                       GError **error)
{
    if (!buf || len < VIR_SCSI_PRIN_HEADER_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "%s: %zu bytes, shorter than the 8-byte header", what, len);
        return -1;
    }
    *generation = virSCSIGetBE32(buf + 0);     /* PRGENERATION */
    *additional = virSCSIGetBE32(buf + 4);     /* ADDITIONAL LENGTH */
    *present = MIN((size_t)*additional, len - VIR_SCSI_PRIN_HEADER_LEN);
    return 0;
}


void
virSCSIPrKeysClear(virSCSIPrKeys *keys)
{
    g_clear_pointer(&keys->keys, g_free);
    memset(keys, 0, sizeof(*keys));
}


int
virSCSIPrKeysParse(const uint8_t *buf,
                   size_t len,
                   virSCSIPrKeys *keys,
                   GError **error)
{
    uint32_t additional;
    size_t present;
    size_t i;

    memset(keys, 0, sizeof(*keys));
    if (virSCSIPrInHeaderParse(buf, len, "READ KEYS", &keys->generation,
                               &additional, &present, error) < 0)
        return -1;
    if (additional % 8) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "READ KEYS: ADDITIONAL LENGTH %u is not a whole number of keys",
                    additional);
        return -1;
    }
    keys->available = additional / 8;
    keys->nkeys = present / 8;
    keys->keys = g_new0(uint64_t, MAX(keys->nkeys, 1));
    for (i = 0; i < keys->nkeys; i++)
        keys->keys[i] = virSCSIGetBE64(buf + VIR_SCSI_PRIN_HEADER_LEN + 8 * i);
    return 0;
}


bool
virSCSIPrKeysHas(const virSCSIPrKeys *keys,
                 uint64_t key)
{
    size_t i;

    for (i = 0; i < keys->nkeys; i++) {
        if (keys->keys[i] == key)
            return true;
    }
    return false;
}


int
virSCSIPrReservationParse(const uint8_t *buf,
                          size_t len,
                          virSCSIPrReservation *res,
                          GError **error)
{
    uint32_t additional;
    size_t present;

    memset(res, 0, sizeof(*res));
    if (virSCSIPrInHeaderParse(buf, len, "READ RESERVATION", &res->generation,
                               &additional, &present, error) < 0)
        return -1;
    if (additional == 0)
        return 0;                               /* no reservation */
    if (additional < 16) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "READ RESERVATION: ADDITIONAL LENGTH %u, a reservation needs 16",
                    additional);
        return -1;
    }
    if (present < 16) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "READ RESERVATION: %zu bytes returned, the reservation needs %u",
                    len, VIR_SCSI_PRIN_RESERVATION_LEN);
        return -1;
    }
    res->reserved = true;
    res->key = virSCSIGetBE64(buf + 8);         /* RESERVATION KEY */
    /* 16-19 obsolete, 20 reserved */
    res->scope = buf[21] >> 4;                  /* SCOPE */
    res->type = buf[21] & 0x0F;                 /* TYPE */
    return 0;
}


int
virSCSIPrCapabilitiesParse(const uint8_t *buf,
                           size_t len,
                           virSCSIPrCapabilities *caps,
                           GError **error)
{
    memset(caps, 0, sizeof(*caps));
    if (!buf || len < VIR_SCSI_PRIN_CAPABILITIES_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "REPORT CAPABILITIES: %zu bytes, the reply has %u",
                    len, VIR_SCSI_PRIN_CAPABILITIES_LEN);
        return -1;
    }
    if (virSCSIGetBE16(buf) < VIR_SCSI_PRIN_CAPABILITIES_LEN) {  /* LENGTH */
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "REPORT CAPABILITIES: LENGTH %u, the reply has %u",
                    virSCSIGetBE16(buf), VIR_SCSI_PRIN_CAPABILITIES_LEN);
        return -1;
    }
    caps->ptplCapable = buf[2] & 0x01;          /* PTPL_C */
    caps->typeMaskValid = buf[3] & 0x80;        /* TMV */
    /* PERSISTENT RESERVATION TYPE MASK: byte 4 bit n is type n (1, 3, 5,
     * 6, 7), byte 5 bit 0 is type 8. */
    caps->typeMask = buf[4] | ((uint16_t)(buf[5] & 0x01) << 8);
    return 0;
}


bool
virSCSIPrCapabilitiesHasType(const virSCSIPrCapabilities *caps,
                             virSCSIPrType type)
{
    return caps->typeMaskValid && type < 16 && (caps->typeMask & (1u << type));
}


const char *
virSCSIPrTypeName(virSCSIPrType type)
{
    switch (type) {
    case VIR_SCSI_PR_TYPE_NONE:
        return "none";
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE:
        return "Write Exclusive";
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS:
        return "Exclusive Access";
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_RO:
        return "Write Exclusive - Registrants Only";
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_RO:
        return "Exclusive Access - Registrants Only";
    case VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR:
        return "Write Exclusive - All Registrants";
    case VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_AR:
        return "Exclusive Access - All Registrants";
    }
    return "unknown";
}
