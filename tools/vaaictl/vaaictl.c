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
};


virScsiTransport *
vaaictlOpen(const vaaictlGlobal *global,
            const char *spec,
            GError **error)
{
    virScsiTransportOptions opts = {
        .initiatorName = global->initiator,
        .timeoutMs = global->timeoutSecs > 0 ? global->timeoutSecs * 1000 : 0,
    };

    return virScsiTransportOpen(spec, &opts, error);
}


static void
vaaictlUsage(FILE *out)
{
    size_t i;

    fprintf(out,
            "Usage: vaaictl [--initiator IQN] [--timeout SECONDS] COMMAND [ARGS...]\n"
            "\n"
            "LUNs are named by a device path (/dev/sgN, /dev/sdX, /dev/mapper/NAME)\n"
            "or an iSCSI URL (iscsi://[user%%password@]host[:port]/IQN/LUN).\n"
            "\n"
            "Commands:\n");
    for (i = 0; i < G_N_ELEMENTS(vaaictlCommands); i++)
        fprintf(out, "  %-10s %s\n", vaaictlCommands[i].name, vaaictlCommands[i].summary);
    fprintf(out, "\n'vaaictl COMMAND --help' describes a command.\n");
}


int
main(int argc,
     char **argv)
{
    vaaictlGlobal global = { 0 };
    int i;

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

    for (size_t c = 0; c < G_N_ELEMENTS(vaaictlCommands); c++) {
        if (strcmp(argv[i], vaaictlCommands[c].name) == 0)
            return vaaictlCommands[c].handler(&global, argc - i, argv + i);
    }

    fprintf(stderr, "vaaictl: unknown command '%s'\n", argv[i]);
    vaaictlUsage(stderr);
    return VAAICTL_EXIT_USAGE;
}
