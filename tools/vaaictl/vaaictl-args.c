/*
 * vaaictl-args.c: command lines, numbers and LUNs, checked before any
 *                 command is sent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include "vaaictl.h"

bool
vaaictlParseArgs(GOptionContext *ctx,
                 const char *cmd,
                 int *argc,
                 char ***argv,
                 int nargs,
                 const char *argsHelp)
{
    g_autoptr(GError) err = NULL;
    int i;

    /* Names, URLs and paths go to the LUN, to libvirt and into XML as
     * UTF-8; GOption's own refusal does not say which argument it was. */
    for (i = 1; i < *argc; i++) {
        if (!g_utf8_validate((*argv)[i], -1, NULL)) {
            g_autofree char *shown = g_strescape((*argv)[i], NULL);

            fprintf(stderr, "vaaictl %s: argument %d (\"%s\") is not valid UTF-8\n",
                    cmd, i, shown);
            return false;
        }
    }
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        fprintf(stderr, "vaaictl %s: %s\n", cmd, err->message);
        return false;
    }
    /* argv[0] is the command name. */
    if (*argc - 1 != nargs) {
        fprintf(stderr, "vaaictl %s: expected %s (see 'vaaictl %s --help')\n",
                cmd, argsHelp, cmd);
        return false;
    }
    return true;
}


/*
 * Decimal, or hexadecimal with 0x: LBAs are often written in hex.  No
 * sign, space, suffix or second prefix is accepted, so that a typo never
 * turns into a different range on a real LUN.
 */
bool
vaaictlParseU64(const char *cmd,
                const char *what,
                const char *str,
                uint64_t min,
                uint64_t max,
                uint64_t *value)
{
    g_autoptr(GError) err = NULL;
    const char *digits = str;
    guint base = 10;
    bool ok = true;
    guint64 v;

    if (g_str_has_prefix(str, "0x") || g_str_has_prefix(str, "0X")) {
        digits = str + 2;
        base = 16;
        /* g_ascii_string_to_unsigned() would take "0x0x10" as 0x10. */
        for (const char *p = digits; *p; p++)
            ok = ok && g_ascii_isxdigit(*p);
    }

    if (!ok || !*digits ||
        !g_ascii_string_to_unsigned(digits, base, min, max, &v, &err)) {
        if (err && g_error_matches(err, G_NUMBER_PARSER_ERROR,
                                   G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS)) {
            fprintf(stderr, "vaaictl %s: %s '%s' must be between %llu and %llu\n",
                    cmd, what, str, (unsigned long long)min, (unsigned long long)max);
        } else {
            fprintf(stderr, "vaaictl %s: %s '%s' is not a number\n", cmd, what, str);
        }
        return false;
    }
    *value = v;
    return true;
}


bool
vaaictlParseRate(const char *cmd,
                 const char *str,
                 double *value)
{
    char *end = NULL;
    double v;

    if (!g_ascii_isdigit(str[0]) && str[0] != '.')
        goto error;
    v = g_ascii_strtod(str, &end);
    if (end == str || *end || !isfinite(v) || v <= 0)
        goto error;
    *value = v;
    return true;

 error:
    fprintf(stderr, "vaaictl %s: --rate '%s' must be a positive number of MiB/s\n",
            cmd, str);
    return false;
}


virSCSILun *
vaaictlOpenLun(const vaaictlGlobal *global,
               const char *cmd,
               const char *spec)
{
    virSCSITransportOptions opts;
    g_autoptr(GError) err = NULL;
    virSCSILun *lun;

    vaaictlTransportOptions(global, &opts);
    if (!(lun = virSCSILunOpen(spec, &opts, &err))) {
        fprintf(stderr, "vaaictl %s: %s\n", cmd, err->message);
        return NULL;
    }
    return lun;
}


bool
vaaictlCheckRange(const char *cmd,
                  const virSCSILun *lun,
                  uint64_t lba,
                  uint64_t nblocks)
{
    uint64_t cap = virSCSILunBlocks(lun);

    if (lba >= cap || nblocks > cap - lba) {
        fprintf(stderr,
                "vaaictl %s: %llu blocks at LBA %llu go beyond the end of %s (%llu blocks)\n",
                cmd, (unsigned long long)nblocks, (unsigned long long)lba,
                lun->caps->target, (unsigned long long)cap);
        return false;
    }
    return true;
}


bool
vaaictlHostFlags(const char *cmd,
                 bool noHost,
                 bool hostOnly,
                 unsigned int *flags)
{
    if (noHost && hostOnly) {
        fprintf(stderr, "vaaictl %s: --no-host and --host-only contradict each other\n", cmd);
        return false;
    }
    if (noHost)
        *flags |= VIR_SCSI_OFFLOAD_NO_HOST;
    if (hostOnly)
        *flags |= VIR_SCSI_OFFLOAD_HOST_ONLY;
    return true;
}
