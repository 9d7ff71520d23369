/*
 * journal.pml: the table journal (docs/format.md "The table journal"):
 * a host that reads only the volume records the journal names, and the
 * busy ones, never keeps a stale record for good.
 *
 * Two writer hosts change NREC records.  The lease's exclusion is
 * lease.pml's and operations.pml's: here acquiring is one step, and a
 * lease whose holder crashed is taken over.  The model follows the code:
 *   virStorageVaaiTableSwap       a change: the record's value moves on,
 *                                 and the host notes it (pend)
 *   virStorageVaaiSessionRelease  the release journals what the host
 *                                 noted since its last release, each at a
 *                                 new table generation, or "any" when
 *                                 there are more than J/2
 *   virStorageVaaiEncodeLease     a takeover of a live holder's lease
 *                                 journals "any"
 *   virStorageVaaiTableRefresh    the reader: the lease record (one read),
 *                                 then what the journal names and the
 *                                 records busy in its cache (one read
 *                                 each), or all of them
 * Under the lease a writer renames a record that is not busy (a change)
 * or marks it busy; a busy record is ended without the lease by its
 * worker, or adopted and ended by a recoverer when its worker's host
 * died (progress writes are changes of a busy record like these, and
 * would only make the state space unbounded).  One writer may crash at any step, holding the
 * lease or not.  Every step of the reader interleaves with all of that.
 *
 * Checked (safety): once the writers are done (a lease left by a crashed
 * holder taken over, as the next acquire of any host does), the reader's
 * next refresh leaves its cache equal to the records.  Each switch below
 * breaks one rule, and check-lease shows each one caught:
 *   BUG_TAKEOVER_NO_ALL  a takeover journals nothing
 *   BUG_NO_BUSY_REREAD   the reader reads busy records only when named
 *   BUG_GEN_AFTER        the reader takes the generation it is at from a
 *                        second read of the lease record, after its record
 *                        reads (instead of the one before them)
 */

#ifndef NREC
#define NREC 2
#endif
#ifndef J
#define J 4                     /* journal entries (the code: 64) */
#endif
#ifndef ROUNDS
#define ROUNDS 1                /* lease holds per writer (2: beyond 4 GiB) */
#endif
#ifndef REFRESHES
#define REFRESHES 2             /* the reader's refreshes before the last */
#endif
#define ANY 255
#define W 2                     /* writers: hosts 1 and 2 */

byte val[NREC];                 /* what record i holds: grows on every change */
bool busy[NREC];
byte worker[NREC];              /* the host whose worker runs busy record i */
byte owner;                     /* the lease: 0 free, else its holder */
bool dead[W + 1];
bool crashed;                   /* at most one crash in a run */
byte gen;                       /* the table generation */
byte jrn[J];                    /* entry gen % J: the record changed, or ANY */
byte pend[W + 1];               /* records a host changed since its release (bits) */
bool done[W + 1];               /* a writer finished its holds, or died */
bool wdone[W + 1];              /* a host's workers finished, or died */

byte cval[NREC];                /* the reader's cache */
bool cbusy[NREC];
bool known;
byte cgen;

#define BIT(i) (1 << (i))

/* A change by host h of record i: the record, and h's note of it. */
inline change(h, i) {
    val[i]++;
    pend[h] = pend[h] | BIT(i)
}

/* Journal h's notes, as the release's CAW does (one atomic step). */
inline journal(h, n, k) {
    n = 0;
    k = 0;
    do
    :: k < NREC -> if :: pend[h] & BIT(k) -> n++ :: else -> skip fi; k++
    :: else -> break
    od;
    if
    :: n > J / 2 ->
        gen++;
        jrn[gen % J] = ANY
    :: else ->
        k = 0;
        do
        :: k < NREC ->
            if
            :: pend[h] & BIT(k) -> gen++; jrn[gen % J] = k
            :: else -> skip
            fi;
            k++
        :: else -> break
        od
    fi;
    pend[h] = 0
}

inline maycrash(h) {
    if
    :: !crashed -> crashed = true; dead[h] = true; goto out
    :: true -> skip
    fi
}

proctype writer(byte h) {
    byte r = 0;
    byte i;
    byte n;
    byte k;

    do
    :: r < ROUNDS ->
        /* Acquire: free, or a crashed holder's (taken over) */
        atomic {
            (owner == 0 || dead[owner]) ->
#ifndef BUG_TAKEOVER_NO_ALL
            if
            :: owner != 0 -> gen++; jrn[gen % J] = ANY
            :: else -> skip
            fi;
#endif
            owner = h
        }
        maycrash(h);
        /* one change under the lease */
        atomic {
            if
            :: i = 0
            :: i = NREC - 1
            fi;
            if
            :: !busy[i] -> change(h, i)                                 /* rename */
            :: !busy[i] -> change(h, i); busy[i] = true; worker[i] = h  /* mark busy */
            :: busy[i] -> skip                                          /* refused */
            fi;
            i = 0
        }
        maycrash(h);
        /* Release, journaling */
        atomic { journal(h, n, k); owner = 0 }
        r++
    :: else -> break
    od;
out:
    done[h] = true
}

/* Host h's workers: busy records of its own, or adopted from a dead
 * host's, moved on and ended without the lease. */
proctype workers(byte h) {
    byte i;

    do
    :: dead[h] -> break
    :: !dead[h] ->
        atomic {
            if
            :: i = 0
            :: i = NREC - 1
            fi;
            if
            :: busy[i] && worker[i] != h && dead[worker[i]] -> change(h, i); worker[i] = h
            :: busy[i] && worker[i] == h -> change(h, i); busy[i] = false  /* the end */
            :: else -> skip
            fi;
            i = 0
        }
    :: done[1] && done[2] ->
        /* leave nothing busy of a live host behind */
        atomic {
            i = 0;
            do
            :: i < NREC ->
                if
                :: !dead[h] && busy[i] && (worker[i] == h || dead[worker[i]]) ->
                    change(h, i); busy[i] = false; worker[i] = h
                :: else -> skip
                fi;
                i++
            :: else -> break
            od
        }
        break
    od;
    wdone[h] = true
}

/* virStorageVaaiTableRefresh */
inline refresh() {
    /* the lease record: one read */
    atomic {
        g = gen;
        k = 0;
        do
        :: k < J -> snap[k] = jrn[k]; k++
        :: else -> break
        od
    }
    d_step {
        use = known && cgen <= g && g - cgen <= J;
        k = cgen + 1;
        do
        :: use && k <= g ->
            if
            :: snap[k % J] == ANY -> use = false
            :: else -> skip
            fi;
            k++
        :: else -> break
        od
    };
    i = 0;
    do
    :: i < NREC ->
        d_step {
            named = !use;
            k = cgen + 1;
            do
            :: use && k <= g ->
                if
                :: snap[k % J] == i -> named = true
                :: else -> skip
                fi;
                k++
            :: else -> break
            od;
#ifndef BUG_NO_BUSY_REREAD
            named = named || cbusy[i];
#endif
            k = 0
        };
        if
        :: named -> atomic { cval[i] = val[i]; cbusy[i] = busy[i] }
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
#ifdef BUG_GEN_AFTER
    g = gen;
#else
    skip;                       /* (a break may not jump into a d_step) */
#endif
    d_step { cgen = g; known = true; g = 0; k = 0; i = 0; use = false; named = false }
}

proctype reader() {
    byte g;
    byte snap[J];
    byte k;
    byte i;
    byte n = 0;
    bool use;
    bool named;

    do
    :: n < REFRESHES -> refresh(); n++
    :: wdone[1] && wdone[2] -> break
    od;
    /* Everything settled (no worker left); a lease left by a crashed
     * holder is taken over by the next acquire, which journals "any". */
    (wdone[1] && wdone[2]);
    atomic {
        if
        :: owner != 0 && dead[owner] ->
#ifndef BUG_TAKEOVER_NO_ALL
            gen++;
            jrn[gen % J] = ANY;
#endif
            owner = 0
        :: else -> skip
        fi
    }
    refresh();
    i = 0;
    do
    :: i < NREC ->
        assert(cval[i] == val[i] && cbusy[i] == busy[i]);
        i++
    :: else -> break
    od
}

init {
    atomic {
        run writer(1);
        run writer(2);
        run workers(1);
        run workers(2);
        run reader()
    }
}
