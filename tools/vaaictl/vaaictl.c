/*
 * vaaictl.c: the operators' command-line tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaaictl.h"

static const vaaictlCommand vaaictlCommands[] = {
    { "caps", vaaictlCmdCaps,
      "show what a LUN is and what each operation will do on it, and why" },
    { "pool", vaaictlCmdPool,
      "format, show, list, check or repair a shared pool on a LUN" },
    { "vol", vaaictlCmdVol,
      "create, clone, wipe, delete, resize, rename or show a pool's volumes" },
    { "zero", vaaictlCmdZero,
      "make a block range read as zeros (WRITE SAME, else host writes)" },
    { "unmap", vaaictlCmdUnmap,
      "give a block range back to a thin LUN (UNMAP, WRITE SAME UNMAP)" },
    { "copy", vaaictlCmdCopy,
      "copy a block range within a LUN or between two (EXTENDED COPY)" },
    { "caw", vaaictlCmdCaw,
      "atomically replace blocks if they hold what is expected (ATS)" },
    { "lba-status", vaaictlCmdLbaStatus,
      "show which blocks from an LBA on are mapped or deallocated" },
    { "read", vaaictlCmdRead,
      "read a block range to a file or standard output" },
    { "write", vaaictlCmdWrite,
      "write a file or standard input to blocks from an LBA on" },
};


void
vaaictlTransportOptions(const vaaictlGlobal *global,
                        virSCSITransportOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->initiatorName = global->initiator;
    opts->timeoutMs = global->timeoutSecs > 0 ? global->timeoutSecs * 1000 : 0;
    opts->chapSecret = global->chapSecret;
}


/* The CHAP secret from a file (its first line), so that it never shows on
 * a command line. */
static char *
vaaictlReadSecretFile(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        fprintf(stderr, "vaaictl: --chap-secret-file: %s\n", err->message);
        return NULL;
    }
    text[strcspn(text, "\r\n")] = '\0';
    return g_steal_pointer(&text);
}


virSCSITransport *
vaaictlOpen(const vaaictlGlobal *global,
            const char *spec,
            GError **error)
{
    virSCSITransportOptions opts;

    vaaictlTransportOptions(global, &opts);
    return virSCSITransportOpen(spec, &opts, error);
}


static void
vaaictlUsage(FILE *out)
{
    size_t i;

    fprintf(out,
            "Usage: vaaictl [--initiator IQN] [--timeout SECONDS] [--chap-secret-file FILE]\n"
            "               COMMAND [ARGS...]\n"
            "\n"
            "LUNs are named by a device path (/dev/sgN, /dev/sdX, /dev/mapper/NAME)\n"
            "or an iSCSI URL (iscsi://[user[%%password]@]host[:port]/IQN/LUN).  A CHAP\n"
            "secret is best not on the command line: with iscsi://user@..., it is read\n"
            "from --chap-secret-file (first line) or $VAAI_CHAP_SECRET.\n"
            "LBA and COUNT are in logical blocks of the LUN, decimal or 0x-hex.\n"
            "\n"
            "Commands:\n");
    for (i = 0; i < G_N_ELEMENTS(vaaictlCommands); i++)
        fprintf(out, "  %-10s %s\n", vaaictlCommands[i].name, vaaictlCommands[i].summary);
    fprintf(out,
            "\n"
            "  vaaictl caps LUN [--json]\n"
            "  vaaictl zero LUN LBA COUNT [--inflight N] [--no-host|--host-only] [--json]\n"
            "  vaaictl unmap LUN LBA COUNT [--need-zeros] [--rate MIBS] [--json]\n"
            "  vaaictl copy SRC SRC_LBA DST DST_LBA COUNT [--inflight N] [--command-blocks N]\n"
            "               [--dst-zeroed] [--no-host|--host-only] [--resume BLOCKS] [--json]\n"
            "  vaaictl caw LUN LBA --expect FILE --write FILE [--json]\n"
            "  vaaictl lba-status LUN LBA [--json]\n"
            "  vaaictl read LUN LBA COUNT [--output FILE] [--json] [--quiet]\n"
            "  vaaictl write LUN LBA [--input FILE] [--json] [--quiet]\n"
            "  vaaictl pool format|info|list|check|repair|lease LUN ...\n"
            "  vaaictl vol create|clone|wipe|delete|resize|rename|info LUN ...\n"
            "\n"
            "Operations print what they did (method, commands, fallbacks, bytes through\n"
            "the host and over the link); Ctrl-C stops one cleanly and shows where.\n"
            "Exit status: 0 done, 1 failed or stopped, 2 bad usage, 3 miscompare (caw).\n"
            "'vaaictl COMMAND --help' describes a command.\n");
}


int
main(int argc,
     char **argv)
{
    vaaictlGlobal global = { 0 };
    int i;

    vaaictlSignalsStart();

    /* Global options come before the command; each command parses its own. */
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            vaaictlUsage(stdout);
            return 0;
        } else if (strcmp(arg, "--initiator") == 0 && i + 1 < argc) {
            global.initiator = argv[++i];
        } else if (g_str_has_prefix(arg, "--initiator=")) {
            global.initiator = (char *)arg + strlen("--initiator=");
        } else if (strcmp(arg, "--chap-secret-file") == 0 && i + 1 < argc) {
            g_free(global.chapSecret);
            if (!(global.chapSecret = vaaictlReadSecretFile(argv[++i])))
                return VAAICTL_EXIT_USAGE;
        } else if (strcmp(arg, "--timeout") == 0 && i + 1 < argc) {
            global.timeoutSecs = atoi(argv[++i]);
        } else if (g_str_has_prefix(arg, "--timeout=")) {
            global.timeoutSecs = atoi(arg + strlen("--timeout="));
        } else if (arg[0] == '-') {
            fprintf(stderr, "vaaictl: unknown option '%s'\n", arg);
            vaaictlUsage(stderr);
            return VAAICTL_EXIT_USAGE;
        } else {
            break;
        }
    }

    if (i >= argc) {
        vaaictlUsage(stderr);
        return VAAICTL_EXIT_USAGE;
    }
    if (!global.chapSecret && g_getenv("VAAI_CHAP_SECRET"))
        global.chapSecret = g_strdup(g_getenv("VAAI_CHAP_SECRET"));

    for (size_t c = 0; c < G_N_ELEMENTS(vaaictlCommands); c++) {
        if (strcmp(argv[i], vaaictlCommands[c].name) == 0) {
            g_autofree char *prgname = g_strdup_printf("vaaictl %s", argv[i]);

            /* So that each command's --help reads "Usage: vaaictl CMD ...". */
            g_set_prgname(prgname);
            return vaaictlCommands[c].handler(&global, argc - i, argv + i);
        }
    }

    fprintf(stderr, "vaaictl: unknown command '%s'\n", argv[i]);
    vaaictlUsage(stderr);
    return VAAICTL_EXIT_USAGE;
}
