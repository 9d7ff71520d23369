/*
 * vaaictl.h: the operators' command-line tool, shared declarations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdio.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "virscsitransport.h"
#include "virscsilun.h"
#include "virscsireport.h"
#include "virscsioffload.h"
#include "storage_vaai_lease.h"

/* Options every command accepts. */
typedef struct _vaaictlGlobal vaaictlGlobal;
struct _vaaictlGlobal {
    char *initiator;            /* iSCSI initiator IQN */
    int timeoutSecs;            /* per command, 0: default */
    char *chapSecret;           /* from --chap-secret-file or $VAAI_CHAP_SECRET */
};

typedef int (*vaaictlHandler)(const vaaictlGlobal *global,
                              int argc,
                              char **argv);

typedef struct _vaaictlCommand vaaictlCommand;
struct _vaaictlCommand {
    const char *name;
    vaaictlHandler handler;
    const char *summary;
};

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage, 3 COMPARE
 * AND WRITE found other data (nothing was written). */
#define VAAICTL_EXIT_FAILURE 1
#define VAAICTL_EXIT_USAGE 2
#define VAAICTL_EXIT_MISCOMPARE 3

virSCSITransport *
vaaictlOpen(const vaaictlGlobal *global,
            const char *spec,
            GError **error);

void
vaaictlTransportOptions(const vaaictlGlobal *global,
                        virSCSITransportOptions *opts);

/* vaaictl-args.c: command lines and LUNs */

/* Parses @ctx's options and requires exactly @nargs positional arguments;
 * prints why not, as "vaaictl CMD: ...". */
bool
vaaictlParseArgs(GOptionContext *ctx,
                 const char *cmd,
                 int *argc,
                 char ***argv,
                 int nargs,
                 const char *argsHelp);

bool
vaaictlParseU64(const char *cmd,
                const char *what,
                const char *str,
                uint64_t min,
                uint64_t max,
                uint64_t *value);

bool
vaaictlParseRate(const char *cmd,
                 const char *str,
                 double *value);

/* --no-host and --host-only into virSCSIOffloadFlags; false if both. */
bool
vaaictlHostFlags(const char *cmd,
                 bool noHost,
                 bool hostOnly,
                 unsigned int *flags);

virSCSILun *
vaaictlOpenLun(const vaaictlGlobal *global,
               const char *cmd,
               const char *spec);

bool
vaaictlCheckRange(const char *cmd,
                  const virSCSILun *lun,
                  uint64_t lba,
                  uint64_t nblocks);

/* vaaictl-json.c */
void
vaaictlJsonInt(JsonBuilder *b, const char *name, uint64_t value);

void
vaaictlJsonBool(JsonBuilder *b, const char *name, bool value);

void
vaaictlJsonStr(JsonBuilder *b, const char *name, const char *value);

void
vaaictlJsonObject(JsonBuilder *b, const char *name, bool present);

void
vaaictlJsonPrint(FILE *out, JsonBuilder *b);

/* vaaictl-report.c: what an operation did, for people or programs */

/* @mc is given for compare-and-write only (its "miscompare" member);
 * @error is why the operation failed, NULL if it did not. */
void
vaaictlReportPrint(FILE *out,
                   const virSCSIReport *report,
                   const virSCSIMiscompare *mc,
                   const GError *error,
                   bool json);

/* Prints the report (unless @out is NULL), and the error on stderr when
 * @rc < 0; clears the report.  @rc is the engine's: -1 failed, 0 done, 1 miscompare.  Returns
 * the exit status. */
int
vaaictlReportFinish(const char *cmd,
                    FILE *out,
                    virSCSIReport *report,
                    const virSCSIMiscompare *mc,
                    int rc,
                    const GError *error,
                    bool json);

/* The report's members, into an object @b has open. */
void
vaaictlReportJsonMembers(JsonBuilder *b,
                         const virSCSIReport *report,
                         const virSCSIMiscompare *mc,
                         const GError *error);

/* vaaictl-progress.c: watching and stopping a running operation */
typedef struct _vaaictlWatch vaaictlWatch;

/* Shows progress on stderr when @showProgress and stderr is a terminal,
 * and makes SIGINT cancel @report until vaaictlWatchEnd. */
vaaictlWatch *
vaaictlWatchBegin(virSCSIReport *report,
                  uint32_t blockSize,
                  bool showProgress);

/* Points SIGINT at another report (one per piece of a long transfer). */
void
vaaictlWatchRetarget(vaaictlWatch *watch,
                     virSCSIReport *report);

bool
vaaictlWatchInterrupted(void);

void
vaaictlWatchEnd(vaaictlWatch *watch);

/* vaaictl-host.c: this host on a pool (UUIDs print with
 * virStorageVaaiUuidFormat) */
/* Sizes: bytes, or with a K/M/G/T/P suffix (powers of 1024, "KiB" and
 * "KB" alike). */
bool
vaaictlParseSize(const char *cmd,
                 const char *str,
                 uint64_t *bytes);

/* What commands that change a pool share. */
typedef struct _vaaictlHostOptions vaaictlHostOptions;
struct _vaaictlHostOptions {
    char *hostUuid;
    char *hostName;
    gboolean singleHost;
    gint leaseWaitMs;
    gboolean json;
    gboolean noHost;
    gboolean hostOnly;
};

/* Appends the shared options (--host-uuid, --host-name, --single-host,
 * --lease-wait, --json, --no-host, --host-only) to a command's. */
void
vaaictlHostOptionsAdd(GOptionContext *ctx,
                      vaaictlHostOptions *opts);

void
vaaictlHostOptionsClear(vaaictlHostOptions *opts);

/* This host: --host-uuid, else $VAAI_HOST_UUID, else /etc/machine-id;
 * a new incarnation. */
bool
vaaictlHostIdentity(const char *cmd,
                    const vaaictlHostOptions *opts,
                    virStorageVaaiHost *host);

/* A pool opened for writing by this host: LUN, pool, session. */
typedef struct _vaaictlPoolHandle vaaictlPoolHandle;
struct _vaaictlPoolHandle {
    virSCSILun *lun;
    void *pool;                 /* virStorageVaaiPool */
    void *session;              /* virStorageVaaiSession */
};

/* Open @spec as a pool, join it as this host (identity from --host-uuid,
 * else $VAAI_HOST_UUID, else /etc/machine-id) and finish or roll back
 * what dead hosts left (without waiting for any). */
bool
vaaictlPoolJoin(const vaaictlGlobal *global,
                const char *cmd,
                const char *spec,
                const vaaictlHostOptions *opts,
                vaaictlPoolHandle *h);

void
vaaictlPoolLeave(vaaictlPoolHandle *h);

/* The commands */
int
vaaictlCmdVol(const vaaictlGlobal *global,
              int argc,
              char **argv);

int
vaaictlCmdPool(const vaaictlGlobal *global,
               int argc,
               char **argv);

int
vaaictlCmdCaps(const vaaictlGlobal *global,
               int argc,
               char **argv);

int
vaaictlCmdZero(const vaaictlGlobal *global,
               int argc,
               char **argv);

int
vaaictlCmdUnmap(const vaaictlGlobal *global,
                int argc,
                char **argv);

int
vaaictlCmdCopy(const vaaictlGlobal *global,
               int argc,
               char **argv);

int
vaaictlCmdCaw(const vaaictlGlobal *global,
              int argc,
              char **argv);

int
vaaictlCmdLbaStatus(const vaaictlGlobal *global,
                    int argc,
                    char **argv);

int
vaaictlCmdRead(const vaaictlGlobal *global,
               int argc,
               char **argv);

int
vaaictlCmdWrite(const vaaictlGlobal *global,
                int argc,
                char **argv);

/* A size for people, "64.0 MiB", with a plain space (scripts split on it). */
char *
vaaictlSize(uint64_t bytes);

/* Take Ctrl-C in a thread of its own from now on: call first in main(),
 * before any thread starts (vaaictl-progress.c). */
void
vaaictlSignalsStart(void);

/* The --json option of every command that reports. */
#define VAAICTL_OPTION_JSON(var) \
    { "json", 0, 0, G_OPTION_ARG_NONE, &(var), "print JSON for programs", NULL }
