/*
 * virscsitransportfault.c: a transport that wraps a real one and injects
 *                          the faults no real target produces on demand
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsitransportfault.h"
#include "virscsibytes.h"
#include "virscsierror.h"
#include "virscsiparam.h"
#include "virscsisense.h"

#define VIR_SCSI_FAULT_SENSE_LEN 18

typedef struct _virSCSIFaultState virSCSIFaultState;
struct _virSCSIFaultState {
    uint64_t matched;
    uint64_t fired;
};

typedef struct _virSCSITransportFault virSCSITransportFault;
struct _virSCSITransportFault {
    virSCSITransport *inner;
    virSCSIFaultRule *rules;
    virSCSIFaultState *state;
    size_t nrules;
    bool dropped;
    /* The engine may send on one transport from several threads: the
     * counters decide which command fires, so they move under a lock. */
    GMutex lock;
};

static const char *const virSCSIFaultActionNames[VIR_SCSI_FAULT_LAST] = {
    [VIR_SCSI_FAULT_SENSE] = "sense",
    [VIR_SCSI_FAULT_FAIL] = "fail",
    [VIR_SCSI_FAULT_LOST_REPLY] = "lost-reply",
    [VIR_SCSI_FAULT_DROP] = "drop",
};


const char *
virSCSIFaultActionName(virSCSIFaultAction action)
{
    if (action >= VIR_SCSI_FAULT_LAST)
        return "unknown";
    return virSCSIFaultActionNames[action];
}


/* ------------------------------------------------------------ parsing */

/* Opcodes whose CDB carries a service action: a rule may name one only
 * there, since elsewhere byte 1 means something else. */
static bool
virSCSIFaultOpcodeHasServiceAction(uint8_t opcode)
{
    switch (opcode) {
    case 0x5E: case 0x5F:   /* PERSISTENT RESERVE IN/OUT */
    case 0x7F:              /* variable length */
    case 0x83: case 0x84:   /* THIRD-PARTY COPY OUT/IN */
    case 0x9E: case 0x9F:   /* SERVICE ACTION IN/OUT(16) */
    case 0xA3: case 0xA4:   /* MAINTENANCE IN/OUT */
        return true;
    }
    return false;
}


static uint16_t
virSCSIFaultServiceAction(const virSCSICmd *cmd)
{
    if (cmd->cdb[0] == 0x7F)
        return cmd->cdbLen >= 10 ? virSCSIGetBE16(cmd->cdb + 8) : 0;
    return cmd->cdb[1] & 0x1F;
}


/* Decimal, or hex with 0x: octal surprises nobody wants in a test spec. */
static int
virSCSIFaultParseNumber(const char *rule,
                        const char *key,
                        const char *text,
                        uint64_t max,
                        uint64_t *value,
                        GError **error)
{
    guint base = 10;
    const char *digits = text;
    guint64 v;

    if (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X")) {
        digits = text + 2;
        base = 16;
    }
    if (!g_ascii_string_to_unsigned(digits, base, 0, max, &v, NULL)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': %s=%s is not a number from 0 to %" G_GUINT64_FORMAT
                    " (decimal or 0x-prefixed hex)", rule, key, text, max);
        return -1;
    }
    *value = v;
    return 0;
}


static int
virSCSIFaultParseSense(const char *rule,
                       const char *text,
                       virSCSIFaultRule *r,
                       GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, "/", -1);
    uint64_t v[3];
    size_t i;

    if (g_strv_length(parts) != 3) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': sense=%s must be KEY/ASC/ASCQ, e.g. 0x05/0x20/0x00",
                    rule, text);
        return -1;
    }
    for (i = 0; i < 3; i++) {
        if (virSCSIFaultParseNumber(rule, "sense", parts[i],
                                    i == 0 ? 0x0F : 0xFF, &v[i], error) < 0)
            return -1;
    }
    r->hasSense = true;
    r->senseKey = v[0];
    r->asc = v[1];
    r->ascq = v[2];
    return 0;
}


static int
virSCSIFaultParseAction(const char *rule,
                        const char *text,
                        virSCSIFaultRule *r,
                        GError **error)
{
    size_t i;

    for (i = 0; i < VIR_SCSI_FAULT_LAST; i++) {
        if (g_str_equal(text, virSCSIFaultActionNames[i])) {
            r->action = i;
            return 0;
        }
    }
    g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                "fault rule '%s': unknown action '%s' "
                "(known: sense, fail, lost-reply, drop)", rule, text);
    return -1;
}


static const char *const virSCSIFaultKeys[] = {
    "op", "sa", "nth", "repeat", "action", "sense", "info", "segment", "status",
};


/* One key=value of a rule; @seen catches a key given twice. */
static int
virSCSIFaultParseField(const char *rule,
                       const char *field,
                       virSCSIFaultRule *r,
                       unsigned int *seen,
                       bool *hasAction,
                       GError **error)
{
    g_auto(GStrv) kv = g_strsplit(field, "=", 2);
    const char *key = g_strstrip(kv[0]);
    const char *val = kv[1] ? g_strstrip(kv[1]) : NULL;
    uint64_t n;
    size_t k;

    for (k = 0; k < G_N_ELEMENTS(virSCSIFaultKeys); k++) {
        if (g_str_equal(key, virSCSIFaultKeys[k]))
            break;
    }
    if (k == G_N_ELEMENTS(virSCSIFaultKeys)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': unknown key '%s' (known: op, sa, nth, "
                    "repeat, action, sense, info, segment, status)", rule, key);
        return -1;
    }
    if (*seen & (1u << k)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': '%s' given twice", rule, key);
        return -1;
    }
    *seen |= 1u << k;

    if (g_str_equal(key, "repeat")) {
        if (val) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                        "fault rule '%s': 'repeat' takes no value", rule);
            return -1;
        }
        r->repeat = true;
        return 0;
    }
    if (!val || !*val) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': '%s' needs a value (%s=...)", rule, key, key);
        return -1;
    }

    if (g_str_equal(key, "action")) {
        *hasAction = true;
        return virSCSIFaultParseAction(rule, val, r, error);
    }
    if (g_str_equal(key, "sense"))
        return virSCSIFaultParseSense(rule, val, r, error);

    if (virSCSIFaultParseNumber(rule, key, val,
                                g_str_equal(key, "op") || g_str_equal(key, "status") ? 0xFF :
                                g_str_equal(key, "sa") ? 0xFFFF :
                                g_str_equal(key, "nth") ? G_MAXUINT64 : G_MAXUINT32,
                                &n, error) < 0)
        return -1;
    if (g_str_equal(key, "op")) {
        r->opcode = n;
    } else if (g_str_equal(key, "sa")) {
        r->hasServiceAction = true;
        r->serviceAction = n;
    } else if (g_str_equal(key, "nth")) {
        r->nth = n;
    } else if (g_str_equal(key, "info")) {
        r->hasInformation = true;
        r->information = n;
    } else if (g_str_equal(key, "segment")) {
        r->hasSegment = true;
        r->segment = n;
    } else {
        r->status = n;
    }
    return 0;
}


/* The rule as a whole: what no single field can check. */
static int
virSCSIFaultCheckRule(const char *rule,
                      virSCSIFaultRule *r,
                      unsigned int seen,
                      bool hasAction,
                      GError **error)
{
    const char *why = NULL;

    if (!hasAction && (r->hasSense || r->status != VIR_SCSI_STATUS_CHECK_CONDITION))
        r->action = VIR_SCSI_FAULT_SENSE;

    if (!(seen & (1u << 0)))
        why = "no opcode (op=...)";
    else if (!hasAction && !r->hasSense && r->status == VIR_SCSI_STATUS_CHECK_CONDITION)
        why = "no action (sense=K/A/Q or action=fail|lost-reply|drop)";
    else if (r->nth == 0)
        why = "nth counts from 1";
    else if (r->hasServiceAction && !virSCSIFaultOpcodeHasServiceAction(r->opcode))
        why = "sa= given for an opcode without service actions";
    else if (r->hasServiceAction && r->opcode != 0x7F && r->serviceAction > 0x1F)
        why = "sa= above 0x1f (5 bits outside opcode 0x7f)";
    else if (r->action != VIR_SCSI_FAULT_SENSE &&
             (r->hasSense || r->hasInformation || r->hasSegment ||
              r->status != VIR_SCSI_STATUS_CHECK_CONDITION))
        why = "sense=, info=, segment= and status= go with action=sense only";
    else if (r->action == VIR_SCSI_FAULT_SENSE &&
             r->status == VIR_SCSI_STATUS_CHECK_CONDITION && !r->hasSense)
        why = "a CHECK CONDITION needs sense=K/A/Q";
    else if (r->status != VIR_SCSI_STATUS_CHECK_CONDITION &&
             (r->hasSense || r->hasInformation || r->hasSegment))
        why = "only a CHECK CONDITION (status=0x02) carries sense data";
    else if (r->status == VIR_SCSI_STATUS_GOOD)
        why = "status=0x00 is no fault";
    else if (r->hasSegment && r->opcode != 0x83)
        why = "segment= points into an EXTENDED COPY (op=0x83) list only";

    if (why) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "fault rule '%s': %s", rule, why);
        return -1;
    }
    return 0;
}


static int
virSCSIFaultParseRule(const char *text,
                      virSCSIFaultRule *r,
                      GError **error)
{
    g_auto(GStrv) fields = g_strsplit(text, ",", -1);
    unsigned int seen = 0;
    bool hasAction = false;
    size_t i;

    memset(r, 0, sizeof(*r));
    r->nth = 1;
    r->status = VIR_SCSI_STATUS_CHECK_CONDITION;
    for (i = 0; fields[i]; i++) {
        if (virSCSIFaultParseField(text, fields[i], r, &seen, &hasAction, error) < 0)
            return -1;
    }
    return virSCSIFaultCheckRule(text, r, seen, hasAction, error);
}


virSCSIFaultSpec *
virSCSIFaultSpecParse(const char *text,
                      GError **error)
{
    g_autoptr(virSCSIFaultSpec) spec = g_new0(virSCSIFaultSpec, 1);
    g_auto(GStrv) rules = g_strsplit(text ? text : "", ";", -1);
    size_t i;

    spec->rules = g_new0(virSCSIFaultRule, g_strv_length(rules) + 1);
    for (i = 0; rules[i]; i++) {
        char *rule = g_strstrip(rules[i]);

        /* "a;b;" is fine: a trailing separator is easy to leave behind. */
        if (!*rule)
            continue;
        if (virSCSIFaultParseRule(rule, &spec->rules[spec->nrules], error) < 0)
            return NULL;
        spec->nrules++;
    }
    return g_steal_pointer(&spec);
}


char *
virSCSIFaultSpecFormat(const virSCSIFaultSpec *spec)
{
    GString *str = g_string_new(NULL);
    size_t i;

    for (i = 0; i < spec->nrules; i++) {
        const virSCSIFaultRule *r = &spec->rules[i];

        if (i)
            g_string_append_c(str, ';');
        g_string_append_printf(str, "op=0x%02x", r->opcode);
        if (r->hasServiceAction)
            g_string_append_printf(str, ",sa=0x%02x", r->serviceAction);
        g_string_append_printf(str, ",nth=%" G_GUINT64_FORMAT, r->nth);
        if (r->repeat)
            g_string_append(str, ",repeat");
        g_string_append_printf(str, ",action=%s", virSCSIFaultActionName(r->action));
        if (r->action == VIR_SCSI_FAULT_SENSE &&
            r->status != VIR_SCSI_STATUS_CHECK_CONDITION)
            g_string_append_printf(str, ",status=0x%02x", r->status);
        if (r->hasSense)
            g_string_append_printf(str, ",sense=0x%02x/0x%02x/0x%02x",
                                   r->senseKey, r->asc, r->ascq);
        if (r->hasInformation)
            g_string_append_printf(str, ",info=%u", r->information);
        if (r->hasSegment)
            g_string_append_printf(str, ",segment=%u", r->segment);
    }
    return g_string_free(str, FALSE);
}


void
virSCSIFaultSpecFree(virSCSIFaultSpec *spec)
{
    if (!spec)
        return;
    g_free(spec->rules);
    g_free(spec);
}


/* ---------------------------------------------------------- injecting */

/* The byte offset of segment descriptor @index in the EXTENDED COPY
 * (LID1) parameter list the command carries, or -1 when the list does
 * not have it or carries inline data we would have to move. */
static int
virSCSIFaultSegmentOffset(const virSCSICmd *cmd,
                          uint32_t index)
{
    const uint8_t *p = cmd->data;
    size_t off;
    uint32_t i;

    if (cmd->cdb[0] != 0x83 || (cmd->cdb[1] & 0x1F) != 0x00 ||
        cmd->dir != VIR_SCSI_XFER_TO_DEV || cmd->dataLen < VIR_SCSI_XCOPY_HEADER_LEN ||
        virSCSIGetBE32(p + 12) != 0)
        return -1;
    off = VIR_SCSI_XCOPY_HEADER_LEN + virSCSIGetBE16(p + 2);
    for (i = 0; i < index; i++) {
        if (off + 4 > cmd->dataLen)
            return -1;
        off += 4 + virSCSIGetBE16(p + off + 2);
    }
    if (off + 4 > cmd->dataLen || off > G_MAXUINT16)
        return -1;
    return off;
}


/*
 * A SEGMENT POINTER claims the segments before it are done, so the claim
 * is made true: the array gets the command cut short to those segments.
 * Returns 1 when they were copied, 0 when the array answered otherwise
 * (then @cmd holds its real answer), -1 when the command did not complete.
 */
static int
virSCSIFaultRunSegments(virSCSITransport *inner,
                        virSCSICmd *cmd,
                        size_t len,
                        GError **error)
{
    const uint8_t *p = cmd->data;
    g_autofree uint8_t *param = g_new(uint8_t, len);
    virSCSICmd part = *cmd;

    memcpy(param, cmd->data, len);
    virSCSIPutBE32(param + 8, len - VIR_SCSI_XCOPY_HEADER_LEN - virSCSIGetBE16(p + 2));
    virSCSIPutBE32(part.cdb + 10, len);
    part.data = param;
    part.dataLen = len;
    if (virSCSITransportExec(inner, &part, error) < 0)
        return -1;
    if (part.status != VIR_SCSI_STATUS_GOOD) {
        cmd->status = part.status;
        memcpy(cmd->sense, part.sense, part.senseLen);
        cmd->senseLen = part.senseLen;
        cmd->resid = cmd->dataLen - (len - part.resid);
        return 0;
    }
    cmd->resid = cmd->dataLen - len;
    return 1;
}


/* action=sense: fills @cmd with the injected status and sense. */
static int
virSCSIFaultInjectSense(virSCSITransport *inner,
                        const virSCSIFaultRule *r,
                        virSCSICmd *cmd,
                        GError **error)
{
    uint8_t *s = cmd->sense;
    int segment = -1;

    /* The array never saw the command: nothing moved either way. */
    cmd->resid = cmd->dataLen;
    if (r->hasSegment && (segment = virSCSIFaultSegmentOffset(cmd, r->segment)) >= 0 &&
        r->segment > 0) {
        int rc = virSCSIFaultRunSegments(inner, cmd, segment, error);
        if (rc <= 0)
            return rc;
    }

    cmd->status = r->status;
    if (!r->hasSense)
        return 0;
    memset(s, 0, VIR_SCSI_FAULT_SENSE_LEN);
    s[0] = VIR_SCSI_SENSE_FIXED_CURRENT | (r->hasInformation ? 0x80 : 0);
    s[2] = r->senseKey;
    virSCSIPutBE32(s + 3, r->information);
    s[7] = VIR_SCSI_FAULT_SENSE_LEN - 8;
    s[12] = r->asc;
    s[13] = r->ascq;
    if (segment >= 0) {
        s[15] = 0x80 | 0x20;    /* SKSV, SD: the pointer is to a descriptor */
        virSCSIPutBE16(s + 16, segment);
    }
    cmd->senseLen = VIR_SCSI_FAULT_SENSE_LEN;
    return 0;
}


/* Which rule fires on @cmd, counting it against every rule it matches;
 * NULL when none does. */
static const virSCSIFaultRule *
virSCSIFaultMatch(virSCSITransportFault *priv,
                  const virSCSICmd *cmd,
                  size_t *index)
{
    const virSCSIFaultRule *fire = NULL;
    size_t i;

    for (i = 0; i < priv->nrules; i++) {
        const virSCSIFaultRule *r = &priv->rules[i];
        virSCSIFaultState *st = &priv->state[i];

        if (r->opcode != cmd->cdb[0])
            continue;
        if (r->hasServiceAction && r->serviceAction != virSCSIFaultServiceAction(cmd))
            continue;
        st->matched++;
        if (fire)
            continue;
        if (st->matched == r->nth || (r->repeat && st->matched > r->nth)) {
            st->fired++;
            fire = r;
            *index = i;
        }
    }
    return fire;
}


static int
virSCSITransportFaultExec(virSCSITransport *transport,
                          virSCSICmd *cmd,
                          GError **error)
{
    virSCSITransportFault *priv = transport->priv;
    const virSCSIFaultRule *r;
    size_t index = 0;
    bool dropped;

    g_mutex_lock(&priv->lock);
    dropped = priv->dropped;
    r = dropped ? NULL : virSCSIFaultMatch(priv, cmd, &index);
    if (r && r->action == VIR_SCSI_FAULT_DROP)
        priv->dropped = true;
    g_mutex_unlock(&priv->lock);

    if (dropped) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x did not complete: the connection was "
                    "dropped earlier (injected fault)", transport->target, cmd->cdb[0]);
        return -1;
    }
    if (!r)
        return virSCSITransportExec(priv->inner, cmd, error);

    switch (r->action) {
    case VIR_SCSI_FAULT_SENSE:
        return virSCSIFaultInjectSense(priv->inner, r, cmd, error);
    case VIR_SCSI_FAULT_LOST_REPLY:
        /* Whatever the array answered, the host never hears it. */
        if (virSCSITransportExec(priv->inner, cmd, error) < 0)
            return -1;
        cmd->status = 0;
        cmd->senseLen = 0;
        break;
    case VIR_SCSI_FAULT_FAIL:
    case VIR_SCSI_FAULT_DROP:
    case VIR_SCSI_FAULT_LAST:
        break;
    }
    g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                "%s: command 0x%02x did not complete: %s (injected fault %s, rule %zu)",
                transport->target, cmd->cdb[0],
                r->action == VIR_SCSI_FAULT_DROP ? "the connection was dropped" :
                "connection lost", virSCSIFaultActionName(r->action), index + 1);
    return -1;
}


static void
virSCSITransportFaultClose(virSCSITransport *transport)
{
    virSCSITransportFault *priv = transport->priv;

    if (!priv)
        return;
    virSCSITransportFree(priv->inner);
    g_free(priv->rules);
    g_free(priv->state);
    g_mutex_clear(&priv->lock);
    g_free(priv);
    transport->priv = NULL;
}


static const virSCSITransportOps virSCSITransportFaultOps = {
    .name = "fault",
    .exec = virSCSITransportFaultExec,
    .close = virSCSITransportFaultClose,
};


virSCSITransport *
virSCSITransportFaultWrap(virSCSITransport *inner,
                          const virSCSIFaultSpec *spec)
{
    virSCSITransportFault *priv = g_new0(virSCSITransportFault, 1);
    virSCSITransport *wrapper;

    priv->inner = inner;
    if (spec && spec->nrules) {
        priv->nrules = spec->nrules;
        priv->rules = g_new(virSCSIFaultRule, spec->nrules);
        memcpy(priv->rules, spec->rules, spec->nrules * sizeof(*spec->rules));
        priv->state = g_new0(virSCSIFaultState, spec->nrules);
    }
    g_mutex_init(&priv->lock);
    wrapper = virSCSITransportNew(&virSCSITransportFaultOps, priv, inner->target);
    /* Fault injection changes answers, not the path's limits. */
    wrapper->maxTransferBytes = inner->maxTransferBytes;
    wrapper->inner = inner;
    return wrapper;
}


bool
virSCSITransportIsFault(virSCSITransport *transport)
{
    return transport && transport->ops == &virSCSITransportFaultOps;
}


static uint64_t
virSCSITransportFaultCounter(virSCSITransport *transport,
                             size_t rule,
                             bool fired)
{
    virSCSITransportFault *priv;
    uint64_t n;

    if (!virSCSITransportIsFault(transport))
        return 0;
    priv = transport->priv;
    if (rule >= priv->nrules)
        return 0;
    g_mutex_lock(&priv->lock);
    n = fired ? priv->state[rule].fired : priv->state[rule].matched;
    g_mutex_unlock(&priv->lock);
    return n;
}


uint64_t
virSCSITransportFaultMatched(virSCSITransport *transport,
                             size_t rule)
{
    return virSCSITransportFaultCounter(transport, rule, false);
}


uint64_t
virSCSITransportFaultFired(virSCSITransport *transport,
                           size_t rule)
{
    return virSCSITransportFaultCounter(transport, rule, true);
}


uint64_t
virSCSITransportFaultFiredTotal(virSCSITransport *transport)
{
    uint64_t n = 0;
    size_t i;

    if (!virSCSITransportIsFault(transport))
        return 0;
    for (i = 0; i < ((virSCSITransportFault *)transport->priv)->nrules; i++)
        n += virSCSITransportFaultFired(transport, i);
    return n;
}


bool
virSCSITransportFaultDropped(virSCSITransport *transport)
{
    virSCSITransportFault *priv;
    bool dropped;

    if (!virSCSITransportIsFault(transport))
        return false;
    priv = transport->priv;
    g_mutex_lock(&priv->lock);
    dropped = priv->dropped;
    g_mutex_unlock(&priv->lock);
    return dropped;
}


bool
virSCSITransportFaultInnerStats(virSCSITransport *transport,
                                virSCSITransportStats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (!virSCSITransportIsFault(transport))
        return false;
    virSCSITransportGetStats(((virSCSITransportFault *)transport->priv)->inner, stats);
    return true;
}
