/*
 * vaaictl-progress.c: watching a running operation (a progress line on
 *                     the terminal) and stopping it (Ctrl-C)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pthread.h>
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
};

/* The report Ctrl-C stops, and how often it was pressed: atomics. */
static virSCSIReport *vaaictlSigReport;
static int vaaictlSigCount;


/*
 * SIGINT is blocked in every thread, from the start of main() on (threads
 * inherit the mask: the heartbeat's, the engine's), and taken by one
 * thread with sigwait(): a handler would run in whichever thread the
 * kernel picks, and there it interrupts the poll() of a command in
 * flight.  While an operation runs, Ctrl-C cancels its report; the
 * engine stops before its next command and the report says exactly where
 * it stopped.  Otherwise, or the second time, it ends the program.
 */
static void *
vaaictlWatchSignals(void *opaque G_GNUC_UNUSED)
{
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    for (;;) {
        virSCSIReport *report;

        if (sigwait(&set, &sig) != 0 || sig != SIGINT)
            continue;
        report = __atomic_load_n(&vaaictlSigReport, __ATOMIC_SEQ_CST);
        if (!report)
            _exit(128 + SIGINT);
        if (__atomic_fetch_add(&vaaictlSigCount, 1, __ATOMIC_SEQ_CST) > 0) {
            fprintf(stderr, "\nvaaictl: interrupted again, exiting now\n");
            _exit(128 + SIGINT);
        }
        virSCSIReportCancel(report);
        fprintf(stderr, "\nvaaictl: stopping after the commands in flight "
                "(Ctrl-C again to exit at once)\n");
    }
    return NULL;
}


void
vaaictlSignalsStart(void)
{
    pthread_t thread;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (pthread_create(&thread, NULL, vaaictlWatchSignals, NULL) != 0)
        g_error("cannot create a thread to watch for Ctrl-C");
    pthread_detach(thread);
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
vaaictlWatchBegin(virSCSIReport *report,
                  uint32_t blockSize,
                  bool showProgress)
{
    vaaictlWatch *watch = g_new0(vaaictlWatch, 1);

    g_mutex_init(&watch->lock);
    watch->blockSize = blockSize;
    watch->startUs = g_get_monotonic_time();
    watch->show = showProgress && isatty(STDERR_FILENO);
    if (watch->show) {
        report->progress = vaaictlWatchProgress;
        report->progressOpaque = watch;
    }

    __atomic_store_n(&vaaictlSigReport, report, __ATOMIC_SEQ_CST);
    return watch;
}


void
vaaictlWatchRetarget(vaaictlWatch *watch G_GNUC_UNUSED,
                     virSCSIReport *report)
{
    __atomic_store_n(&vaaictlSigReport, report, __ATOMIC_SEQ_CST);
    /* A Ctrl-C between two pieces must still stop the next one. */
    if (vaaictlWatchInterrupted())
        virSCSIReportCancel(report);
}


bool
vaaictlWatchInterrupted(void)
{
    return __atomic_load_n(&vaaictlSigCount, __ATOMIC_SEQ_CST) > 0;
}


void
vaaictlWatchEnd(vaaictlWatch *watch)
{
    if (!watch)
        return;
    /* A Ctrl-C from now on ends the program as usual. */
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
