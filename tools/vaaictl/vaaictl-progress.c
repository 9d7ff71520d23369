/*
 * vaaictl-progress.c: watching a running operation (a progress line on
 *                     the terminal) and stopping it (Ctrl-C)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vaaictl.h"

/* Redraw at most this often: a terminal cannot show more, and drawing
 * must stay cheap next to the commands the engine's threads send. */
#define VAAICTL_PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)

struct _vaaictlWatch {
    bool show;
    uint32_t blockSize;
    gint64 startUs;
    gint64 nextUs;              /* atomic: no redraw before this */
    GMutex lock;                /* one thread draws at a time */
    uint64_t shownBlocks;       /* under lock: calls may arrive out of order */
    bool drawn;                 /* under lock: a line needs clearing */
    struct sigaction oldInt;
};

/* What the SIGINT handler may touch: only atomics. */
static virScsiReport *vaaictlSigReport;
static volatile sig_atomic_t vaaictlSigCount;


static void
vaaictlSigWrite(const char *msg)
{
    /* write() is async-signal-safe, stdio is not; nothing to do if it fails. */
    if (write(STDERR_FILENO, msg, strlen(msg)) < 0)
        return;
}


static void
vaaictlSigInt(int signum G_GNUC_UNUSED)
{
    virScsiReport *report = __atomic_load_n(&vaaictlSigReport, __ATOMIC_SEQ_CST);

    if (vaaictlSigCount++ > 0) {
        vaaictlSigWrite("\nvaaictl: interrupted again, exiting now\n");
        _exit(128 + SIGINT);
    }
    /* The engine stops between commands, so those in flight complete
     * and the report says exactly where it stopped. */
    if (report)
        virScsiReportCancel(report);
    vaaictlSigWrite("\nvaaictl: stopping after the commands in flight "
                    "(Ctrl-C again to exit at once)\n");
}


static void
vaaictlFormatDuration(char *buf, size_t len, double secs)
{
    unsigned long s = secs < 0 ? 0 : (unsigned long)(secs + 0.5);

    if (s >= 3600)
        g_snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, (s / 60) % 60, s % 60);
    else
        g_snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}


static void
vaaictlWatchDraw(vaaictlWatch *watch,
                 uint64_t done,
                 uint64_t total,
                 gint64 now)
{
    double secs = (now - watch->startUs) / (double)G_USEC_PER_SEC;
    double pct = total ? 100.0 * done / total : 100.0;
    double mibs = 0;
    char eta[32] = "--:--";

    if (secs > 0)
        mibs = done * (double)watch->blockSize / (1024.0 * 1024.0) / secs;
    if (!total) {
        /* From a pipe: how much is coming is unknown. */
        fprintf(stderr, "\r%llu blocks  %.1f MiB/s\033[K", (unsigned long long)done, mibs);
        fflush(stderr);
        watch->drawn = true;
        return;
    }
    if (done && done < total)
        vaaictlFormatDuration(eta, sizeof(eta), secs * (total - done) / done);
    else if (done >= total)
        vaaictlFormatDuration(eta, sizeof(eta), 0);

    fprintf(stderr, "\r%5.1f%%  %llu/%llu blocks  %.1f MiB/s  ETA %s\033[K",
            pct, (unsigned long long)done, (unsigned long long)total, mibs, eta);
    fflush(stderr);
    watch->drawn = true;
}


/* Called by the engine from any of its threads, after each command. */
static void
vaaictlWatchProgress(uint64_t done,
                     uint64_t total,
                     void *opaque)
{
    vaaictlWatch *watch = opaque;
    gint64 now = g_get_monotonic_time();
    gint64 next = __atomic_load_n(&watch->nextUs, __ATOMIC_RELAXED);

    if (now < next ||
        !__atomic_compare_exchange_n(&watch->nextUs, &next,
                                     now + VAAICTL_PROGRESS_INTERVAL_US, false,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    if (!g_mutex_trylock(&watch->lock))
        return;
    if (done > watch->shownBlocks)
        watch->shownBlocks = done;
    vaaictlWatchDraw(watch, watch->shownBlocks, total, now);
    g_mutex_unlock(&watch->lock);
}


vaaictlWatch *
vaaictlWatchBegin(virScsiReport *report,
                  uint32_t blockSize,
                  bool showProgress)
{
    vaaictlWatch *watch = g_new0(vaaictlWatch, 1);
    struct sigaction sa;

    g_mutex_init(&watch->lock);
    watch->blockSize = blockSize;
    watch->startUs = g_get_monotonic_time();
    watch->show = showProgress && isatty(STDERR_FILENO);
    if (watch->show) {
        report->progress = vaaictlWatchProgress;
        report->progressOpaque = watch;
    }

    __atomic_store_n(&vaaictlSigReport, report, __ATOMIC_SEQ_CST);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = vaaictlSigInt;
    sigemptyset(&sa.sa_mask);
    /* Restart interrupted system calls: the engine sees the cancel flag
     * between commands and must not see a spurious I/O error first. */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &watch->oldInt);
    return watch;
}


void
vaaictlWatchRetarget(vaaictlWatch *watch G_GNUC_UNUSED,
                     virScsiReport *report)
{
    __atomic_store_n(&vaaictlSigReport, report, __ATOMIC_SEQ_CST);
    /* A Ctrl-C between two pieces must still stop the next one. */
    if (vaaictlWatchInterrupted())
        virScsiReportCancel(report);
}


bool
vaaictlWatchInterrupted(void)
{
    return vaaictlSigCount > 0;
}


void
vaaictlWatchEnd(vaaictlWatch *watch)
{
    if (!watch)
        return;
    sigaction(SIGINT, &watch->oldInt, NULL);
    __atomic_store_n(&vaaictlSigReport, NULL, __ATOMIC_SEQ_CST);

    g_mutex_lock(&watch->lock);
    if (watch->drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    g_mutex_unlock(&watch->lock);
    g_mutex_clear(&watch->lock);
    g_free(watch);
}
