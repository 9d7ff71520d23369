/*
 * lease.pml: the metadata lease protocol of docs/format.md ("The lease
 * protocol"), step by step as in docs/lease-protocol.md.  Checked with spin
 * by tests/model/check-lease; see docs/lease-protocol.md for what the
 * model covers, the timing assumptions and the results.
 *
 * N = 3 hosts share one lease block and one heartbeat slot each.  A host
 * has a heartbeat (renews its slot every P ticks) and a main thread (joins,
 * acquires the lease ROUNDS times, each time does WORK metadata writes
 * under the self-fence, releases).  Time advances in global ticks; each
 * host measures time on its own clock, which may miss ticks (SKEW).
 *
 * Granularity: one step of the main thread is one I/O to the LUN together
 * with the host's local decision on its result.  COMPARE AND WRITE (CAW) is
 * one atomic step: compare the whole record, replace it if equal.  A READ
 * is its own step, so what it returned may be stale by the time a later
 * step uses it.  A CAW whose compare holds may, at most FAULTS times per
 * run, report a miscompare without writing (false miscompare), or write and
 * lose its status (the host sees an error, as after a transport timeout).
 *
 * Time: between two ticks every running main thread takes steps until it
 * waits for the next tick; the steps of all hosts interleave arbitrarily.
 * The heartbeat acts at the ticks (part of the clock step).  Slowness:
 *   - stalls: at most STALLS times per run, a host's main thread (at any
 *     moment, between any two of its steps) or its heartbeat stops for
 *     1..MAXSTALL ticks (MAXSTALL > T);
 *   - I/O latency: a renewal, and a metadata write, is applied 0..D ticks
 *     after it is issued (the bound the proof needs); other I/O has no
 *     latency bound (a stall may fall on it);
 *   - the clock of a host may run slow (SKEW).
 * Crashes: at most CRASHES hosts stop for ever, at any moment except while
 * a renewal or metadata write of theirs is in flight (such a crash is the
 * I/O applied within D ticks, or never, then the crash).
 *
 * Switches for the bug variants tests/model/check-lease must see fail:
 *   BUG_NO_FENCE          the holder writes whenever it believes it holds
 *   BUG_TAKEOVER_EARLY    takeover after T/4 ticks instead of T
 *   BUG_ASSUME_MISCOMPARE a miscompare on acquire or release is taken to
 *                         mean "another host has it", without re-reading
 *   BUG_REVERIFY_BY_READ  after a fence lapse the holder re-verifies by
 *                         reading the lease instead of by CAW
 *   BUG_NO_CHAIN          after a fence lapse the holder resumes on a fresh
 *                         heartbeat alone
 *   BUG_VALID_LATE        the holder judges its heartbeat fresh when its
 *                         lease CAW completes, not before issuing it
 *   BUG_WATCH_NO_REREAD   a watcher watches the holder's counter without
 *                         re-reading the lease
 *   BUG_NO_ADOPT          a host whose lease CAW was applied with the status
 *                         lost, and which then reads itself as the owner,
 *                         treats the lease as held by another host
 *   BUG_RELEASE_BY_WRITE  release by a plain WRITE instead of a CAW
 *
 * printf()s only show in simulations and counterexample replays
 * (spin -t -p), not in verification runs.
 */

#define N 3
#define FREE N              /* owner of a free lease */
#define NONE 255

/* Timing, in ticks of the host's own clock (D: global ticks). */
#ifndef T
#define T 4                 /* takeover: holder's counter unchanged for T ticks */
#endif
#ifndef F
#define F 2                 /* fence: write only while the last renewal was issued < F ticks ago */
#endif
#ifndef P
#define P 1                 /* heartbeat period */
#endif
#ifndef D
#define D 1                 /* a renewal or metadata write is applied within D ticks */
#endif
#ifndef SKEW
#define SKEW 0              /* 0: clocks advance on every tick; k > 0: a host's clock
                               may miss a tick once it has advanced on k ticks in a row */
#endif
#ifndef STALLS
#define STALLS 1
#endif
#ifndef MAXSTALL
#define MAXSTALL (T + 1)
#endif
#ifndef FAULTS
#define FAULTS 1            /* false miscompares + lost statuses, per run */
#endif
#ifndef LATE
#define LATE 1              /* takeover CAWs applied a tick late, per run */
#endif
#ifndef CRASHES
#define CRASHES 1
#endif
#ifndef WORK
#define WORK 1              /* metadata writes per hold */
#endif
#ifndef THINK
#define THINK 1             /* up to THINK idle ticks before each write */
#endif
#ifndef ROUNDS
#define ROUNDS 1            /* acquisitions each host wants */
#endif

#ifdef BUG_TAKEOVER_EARLY
#define TK (T / 4)
#else
#define TK T
#endif

#define OK   0
#define MISC 1              /* miscompare reported (true or false) */
#define ERR  2              /* status lost: the CAW may have been applied */

/* ---- on the LUN ---- */
byte lease_own = FREE;      /* lease block: owner (FREE: free) */
byte lease_gen = 0;         /*              generation */
bit  slot_used[N];          /* heartbeat slot i: identity (host i, or free).  Its counter
                               is abstracted by hbchg: counters only grow, so "differs
                               from the value last read" is "renewed since" */

/* ---- per host: clocks (local ticks, saturating) ---- */
byte hb_age[N];             /* since the issue of the last successful renewal (sat F) */
byte iss_age[N];            /* since the issue of the renewal in flight */
byte hbd[N];                /* global ticks until the renewal in flight is applied */
byte watch_age[N];          /* since the watcher last saw the counter change (sat T) */
byte since_skip[N];         /* ticks since the clock last missed one (sat SKEW) */

/* ---- per host: protocol state ---- */
bit  valid[N];              /* renewal chain unbroken since the last lease CAW was issued */
bit  holding[N];            /* the host believes it holds the lease */
byte mygen[N];              /* the generation it holds */
byte vown[N];               /* last lease read: owner */
byte vgen[N];               /*                  generation */
bit  hbchg[N];              /* slot vown[i]'s counter changed since host i last read it */
bit  want[N];               /* waiting to acquire */

/* ---- scheduling ---- */
byte busy[N];               /* main thread: 0 waits for the next tick, 1 runs, 2 finished */
bit  stalled[2 * N];        /* [i]: host i's heartbeat, [N + i]: its main thread */
bit  crashed[N + 1];        /* [FREE] stays 0, so crashed[lease_own] is defined */
byte faults = FAULTS;
byte crashes = CRASHES;
byte stalls = STALLS;
byte late = LATE;
byte stp = NONE;            /* the stall: i heartbeat, N + i main thread, 2N + i both, of host i */
byte stall_len;

/* ---- ghosts ---- */
hidden int tnow;             /* global ticks, for printf only (not in the state) */
bit  cs[N];                 /* from the fence check to the write being applied */
byte ncs;
byte g_quiet;               /* global ticks since the lease owner's counter changed or
                               the owner wrote the lease to itself (sat T) */
bit  gap;                   /* since the owner last wrote the lease to itself, its
                               counter stood still for T global ticks in a row */

#define IDLE(i)  (busy[i] != 1 || stalled[N + (i)] || crashed[i])
#define ALLIDLE  (IDLE(0) && IDLE(1) && IDLE(2))

/* A lease write, inside a CAW whose compare held.  The generation only
 * grows; a takeover (expected owner not free, not me) only of a host whose
 * counter stood still for T ticks since it took the lease. */
#define LWRITE(me, eo, no, ng) \
    printf("t=%d host %d: lease (%d,%d) -> (%d,%d)   [owner %d = free]\n", tnow, me, lease_own, lease_gen, no, ng, FREE); \
    assert((ng) > lease_gen); \
    if \
    :: eo != FREE && eo != me && no == me -> assert(gap) \
    :: else \
    fi; \
    g_quiet = 0; \
    gap = 0; \
    lease_own = no; \
    lease_gen = ng

/* COMPARE AND WRITE of the lease: expect (eo, eg), write (no, ng). */
#define LEASE_CAW(me, eo, eg, no, ng) \
    if \
    :: lease_own == eo && lease_gen == eg -> \
        if \
        :: LWRITE(me, eo, no, ng); res = OK \
        :: faults > 0 -> faults--; res = MISC; \
            printf("t=%d host %d: lease CAW: false miscompare\n", tnow, me) \
        :: faults > 0 -> faults--; LWRITE(me, eo, no, ng); res = ERR; \
            printf("t=%d host %d: lease CAW applied, status lost\n", tnow, me) \
        fi \
    :: else -> res = MISC \
    fi

/* ======================================================================
 * Main thread.  pc values:
 */
#define M_READ     1        /* read the lease and decide */
#define M_ACQ      2        /* CAW free -> me */
#define M_WATCH    3        /* (each tick) re-read the lease, read the holder's counter */
#define M_TAKE     4        /* CAW holder -> me */
#define M_FENCE    5        /* fence check, then write (or wait, or re-assert) */
#define M_WRITE    6        /* write in flight */
#define M_REASSERT 7        /* CAW me -> me, generation + 1 */
#define M_RA_READ  8        /* re-read after a failed re-assert */
#define M_RELEASE  9        /* CAW me -> free */
#define M_REL_READ 10       /* re-read after a failed release */
#define M_WAITCHG  11       /* BUG_ASSUME_MISCOMPARE: wait for the lease to change */
#define M_GOT      12       /* a lease CAW of ours succeeded: take note */
#define M_DONE     13

/* A takeover CAW is applied at once or, at most LATE times per run, a tick
 * later (its latency has no bound in the protocol; a longer one is a stall). */
#define LAT if :: true :: late > 0 -> late--; busy[i] = 0 fi

/* Decide on the lease just read into vown/vgen (in the step that read it). */
#define DECIDE \
    if \
    :: vown[i] == FREE -> \
        valid[i] = (hb_age[i] < F); \
        pc = M_ACQ \
    :: vown[i] == i -> \
        ADOPT \
    :: else -> \
        hbchg[i] = 0; watch_age[i] = 0;     /* read the holder's counter */ \
        pc = M_WATCH; busy[i] = 0 \
    fi

#ifdef BUG_NO_ADOPT
#define ADOPT hbchg[i] = 0; watch_age[i] = 0; pc = M_WATCH; busy[i] = 0
#else
/* Our CAW was applied, its status lost; valid[i] was set before it was issued. */
#define ADOPT mygen[i] = vgen[i]; GOT
#endif

#ifdef BUG_VALID_LATE
#define GOT holding[i] = 1; want[i] = 0; watch_age[i] = 0; hbchg[i] = 0; w = WORK; d = 0; pc = M_FENCE; valid[i] = (hb_age[i] < F)
#else
#define GOT holding[i] = 1; want[i] = 0; watch_age[i] = 0; hbchg[i] = 0; w = WORK; d = 0; pc = M_FENCE
#endif

proctype main(byte i) provided (!crashed[i] && !stalled[N + i])
{
    byte pc, res, d, w, rounds;

    /* Join: claim slot i by CAW, the first renewal.  (On an error it is
     * re-read: our identity means it is ours; free: retry.) */
    atomic {
        slot_used[i] = 1;
        hb_age[i] = 0;
        want[i] = 1;
        pc = M_READ
    }

    do
    :: atomic {
        busy[i] == 1 ->
        if
        :: pc == M_READ ->
            vown[i] = lease_own; vgen[i] = lease_gen;
            DECIDE

        :: pc == M_ACQ ->
            LEASE_CAW(i, FREE, vgen[i], i, vgen[i] + 1);
            if
            :: res == OK -> mygen[i] = vgen[i] + 1; pc = M_GOT
#ifdef BUG_ASSUME_MISCOMPARE
            :: else -> valid[i] = 0; pc = M_WAITCHG; busy[i] = 0
#else
            :: res == MISC -> valid[i] = 0; pc = M_READ     /* re-read, re-decide */
            :: res == ERR -> pc = M_READ                    /* (valid kept for ADOPT) */
#endif
            fi

        :: pc == M_WATCH ->
            if
#ifndef BUG_WATCH_NO_REREAD
            :: lease_own != vown[i] || lease_gen != vgen[i] ->
                vown[i] = lease_own; vgen[i] = lease_gen;
                DECIDE
#endif
            :: else ->
                /* Read the counter.  The expiry test uses the clock as it
                 * was before the read was issued (here: the same step). */
                if
                :: hbchg[i] -> hbchg[i] = 0; watch_age[i] = 0; busy[i] = 0
                :: !hbchg[i] && watch_age[i] < TK -> busy[i] = 0
                :: !hbchg[i] && watch_age[i] >= TK ->
                    printf("t=%d host %d: counter of host %d unchanged for %d ticks: take over\n", tnow, i, vown[i], watch_age[i]);
                    valid[i] = (hb_age[i] < F);
                    pc = M_TAKE; LAT
                fi
            fi

        :: pc == M_TAKE ->
            watch_age[i] = 0;
            LEASE_CAW(i, vown[i], vgen[i], i, vgen[i] + 1);
            if
            :: res == OK -> mygen[i] = vgen[i] + 1; pc = M_GOT
            :: res == MISC -> valid[i] = 0; pc = M_READ
            :: res == ERR -> pc = M_READ
            fi

        :: pc == M_FENCE ->
            if
            :: d < THINK -> d++; busy[i] = 0                /* idle a tick */
#ifdef BUG_NO_FENCE
            :: true ->
#else
            :: valid[i] && hb_age[i] < F ->
#endif
                printf("t=%d host %d: metadata write issued (renewal age %d, valid %d)\n", tnow, i, hb_age[i], valid[i]);
                cs[i] = 1; ncs++; assert(ncs == 1);
                /* in flight for d = 0..D ticks */
                d = 0;
                do
                :: d < D -> d++
                :: break
                od;
                pc = M_WRITE
            :: !valid[i] && hb_age[i] < F ->
                printf("t=%d host %d: heartbeat chain broken: re-assert\n", tnow, i);
#ifdef BUG_REVERIFY_BY_READ
                /* read the lease: still ours, so carry on */
                if
                :: lease_own == i && lease_gen == mygen[i] -> valid[i] = 1
                :: else -> holding[i] = 0; want[i] = 1; pc = M_READ
                fi
#else
                valid[i] = 1;                               /* fresh tnow */
                pc = M_REASSERT
#endif
            :: hb_age[i] >= F -> busy[i] = 0                /* fenced: wait */
            fi

        :: pc == M_WRITE && d > 0 -> d--; busy[i] = 0       /* in flight */
        :: pc == M_WRITE && d == 0 ->
            /* The write is applied: the lease must still be ours. */
            printf("t=%d host %d: metadata write applied (lease is (%d,%d))\n", tnow, i, lease_own, lease_gen);
            assert(lease_own == i && lease_gen == mygen[i]);
            cs[i] = 0; ncs--;
            w--;
            if
            :: w > 0 -> pc = M_FENCE
            :: else -> holding[i] = 0; pc = M_RELEASE
            fi

        :: pc == M_REASSERT ->
            LEASE_CAW(i, i, mygen[i], i, mygen[i] + 1);
            if
            :: res == OK -> mygen[i]++; pc = M_FENCE
            :: else -> pc = M_RA_READ
            fi

        :: pc == M_RA_READ ->
            vown[i] = lease_own; vgen[i] = lease_gen;
            if
            :: vown[i] == i && vgen[i] == mygen[i] -> pc = M_REASSERT      /* false miscompare */
            :: vown[i] == i && vgen[i] == mygen[i] + 1 -> mygen[i]++; pc = M_FENCE  /* status lost */
            :: else -> holding[i] = 0; valid[i] = 0; w = 0; d = 0; mygen[i] = 0; want[i] = 1; DECIDE
            fi

        :: pc == M_RELEASE ->
#ifdef BUG_RELEASE_BY_WRITE
            LWRITE(i, lease_own, FREE, mygen[i] + 1); res = OK;
#else
            LEASE_CAW(i, i, mygen[i], FREE, mygen[i] + 1);
#endif
            if
            :: res == OK -> pc = M_DONE
#ifdef BUG_ASSUME_MISCOMPARE
            :: else -> pc = M_DONE                  /* "someone else has it" */
#else
            :: else -> pc = M_REL_READ
#endif
            fi

        :: pc == M_REL_READ ->
            vown[i] = lease_own; vgen[i] = lease_gen;
            if
            :: vown[i] == i && vgen[i] == mygen[i] -> pc = M_RELEASE       /* false miscompare */
            :: else -> pc = M_DONE                  /* released (status lost), or taken over */
            fi

        :: pc == M_GOT -> GOT

        :: pc == M_WAITCHG ->
            if
            :: lease_own != vown[i] || lease_gen != vgen[i] ->
                vown[i] = lease_own; vgen[i] = lease_gen;
                DECIDE
            :: else -> busy[i] = 0
            fi
        fi;
        if
        :: pc == M_DONE ->
            rounds++;
            mygen[i] = 0; vown[i] = FREE; vgen[i] = 0; valid[i] = 0; hbchg[i] = 0; w = 0;
            if
            :: rounds < ROUNDS -> want[i] = 1; pc = M_READ
            :: else -> busy[i] = 2
            fi
        :: else
        fi;
        res = 0
    }
    od
}

/* ======================================================================
 * Clock: ticks (with the heartbeats), crashes, stalls.
 */

/* Slot i's renewal, (me, c) -> (me, c + 1), is applied.  A false
 * miscompare or a lost status on it is re-read and retried (or found
 * applied) at once: the same as latency, covered by D. */
#define RENEWED(i) \
    if :: lease_own == i -> g_quiet = 0 :: else fi; \
    if :: vown[0] == i -> hbchg[0] = 1 :: else fi; \
    if :: vown[1] == i -> hbchg[1] = 1 :: else fi; \
    if :: vown[2] == i -> hbchg[2] = 1 :: else fi; \
    hb_age[i] = iss_age[i]; \
    iss_age[i] = 0

/* Issue a renewal: the timestamp is taken before the CAW.  A renewal issued
 * after the previous one's fence expired breaks the chain: a holder must
 * re-assert the lease before it writes again.  In flight for 0..D ticks. */
#ifdef BUG_NO_CHAIN
#define CHAIN(i)
#else
#define CHAIN(i) \
    if \
    :: hb_age[i] >= F -> valid[i] = 0; \
        printf("t=%d host %d: renewal issued after its fence expired (chain broken)\n", tnow, i) \
    :: else \
    fi
#endif
#define ISSUE(i) \
    CHAIN(i); \
    iss_age[i] = 0; \
    hbd[i] = 0; \
    do \
    :: hbd[i] < D -> hbd[i]++ \
    :: break \
    od; \
    if \
    :: hbd[i] == 0 -> RENEWED(i) \
    :: else \
    fi

#define HEARTBEAT(i) \
    if \
    :: crashed[i] || stalled[i] \
    :: else -> \
        if \
        :: hbd[i] > 0 -> \
            hbd[i]--; \
            if \
            :: hbd[i] == 0 -> \
                RENEWED(i); \
                if \
                :: hb_age[i] >= P -> ISSUE(i)    /* due again: it was slow */ \
                :: else \
                fi \
            :: else \
            fi \
        :: hbd[i] == 0 && hb_age[i] >= P -> ISSUE(i) \
        :: else \
        fi \
    fi

#define CLOCK(i) \
    if \
    :: crashed[i] \
    :: else -> \
        if \
        :: SKEW > 0 && since_skip[i] >= SKEW -> since_skip[i] = 0 \
        :: true -> \
            if :: since_skip[i] < SKEW -> since_skip[i]++ :: else fi; \
            if :: hb_age[i] < F -> hb_age[i]++ :: else fi; \
            if :: hbd[i] > 0 -> iss_age[i]++ :: else fi; \
            if :: want[i] && watch_age[i] < T -> watch_age[i]++ :: else fi \
        fi \
    fi

#define WAKE(i) if :: busy[i] == 0 && !stalled[N + i] && !crashed[i] -> busy[i] = 1 :: else fi

#define CANSTALL_HB(i)   (stalls > 0 && stp == NONE && !crashed[i] && hbd[i] == 0)
#define CANSTALL_MAIN(i) (stalls > 0 && stp == NONE && !crashed[i] && busy[i] != 2 && !cs[i])
#define CANSTALL_HOST(i) (CANSTALL_HB(i) && CANSTALL_MAIN(i))
#define CANCRASH(i)      (crashes > 0 && !crashed[i] && hbd[i] == 0 && !cs[i])

active proctype clock()
{
    atomic {
        vown[0] = FREE; vown[1] = FREE; vown[2] = FREE;
        since_skip[0] = SKEW; since_skip[1] = SKEW; since_skip[2] = SKEW;
        busy[0] = 1; busy[1] = 1; busy[2] = 1;
        run main(0); run main(1); run main(2)
    }
    do
    /* A main thread stalls, at any moment. */
    :: atomic { CANSTALL_MAIN(0) -> stalled[N + 0] = 1; stp = N + 0; stalls--;
                printf("t=%d host 0: main thread stalls\n", tnow) }
    :: atomic { CANSTALL_MAIN(1) -> stalled[N + 1] = 1; stp = N + 1; stalls--;
                printf("t=%d host 1: main thread stalls\n", tnow) }
    :: atomic { CANSTALL_MAIN(2) -> stalled[N + 2] = 1; stp = N + 2; stalls--;
                printf("t=%d host 2: main thread stalls\n", tnow) }
    /* A host stalls (both threads: a paused VM, SIGSTOP), at any moment. */
    :: atomic { CANSTALL_HOST(0) -> stalled[0] = 1; stalled[N + 0] = 1; stp = 2 * N + 0; stalls--;
                printf("t=%d host 0: stalls (heartbeat and main thread)\n", tnow) }
    :: atomic { CANSTALL_HOST(1) -> stalled[1] = 1; stalled[N + 1] = 1; stp = 2 * N + 1; stalls--;
                printf("t=%d host 1: stalls (heartbeat and main thread)\n", tnow) }
    :: atomic { CANSTALL_HOST(2) -> stalled[2] = 1; stalled[N + 2] = 1; stp = 2 * N + 2; stalls--;
                printf("t=%d host 2: stalls (heartbeat and main thread)\n", tnow) }
    /* A tick, once every running main thread waits for it. */
    :: atomic {
        ALLIDLE ->
        tnow++;
        /* The stall in progress goes on, or ends (at the latest after
         * MAXSTALL ticks); or a heartbeat stalls. */
        if
        :: stp != NONE ->
            stall_len++;
            if
            :: true ->
                if
                :: stp < 2 * N -> stalled[stp] = 0
                :: else -> stalled[stp - 2 * N] = 0; stalled[stp - N] = 0
                fi;
                printf("t=%d stall ends\n", tnow);
                stp = NONE; stall_len = 0
            :: stall_len < MAXSTALL
            fi
        :: stp == NONE
        :: CANSTALL_HB(0) -> stalled[0] = 1; stp = 0; stalls--;
            printf("t=%d host 0: heartbeat stalls\n", tnow)
        :: CANSTALL_HB(1) -> stalled[1] = 1; stp = 1; stalls--;
            printf("t=%d host 1: heartbeat stalls\n", tnow)
        :: CANSTALL_HB(2) -> stalled[2] = 1; stp = 2; stalls--;
            printf("t=%d host 2: heartbeat stalls\n", tnow)
        fi;
        /* A host crashes. */
        if
        :: true
        :: CANCRASH(0) -> crashed[0] = 1; want[0] = 0; crashes--;
            printf("t=%d host 0: crashes\n", tnow)
        :: CANCRASH(1) -> crashed[1] = 1; want[1] = 0; crashes--;
            printf("t=%d host 1: crashes\n", tnow)
        :: CANCRASH(2) -> crashed[2] = 1; want[2] = 0; crashes--;
            printf("t=%d host 2: crashes\n", tnow)
        fi;
        /* Every clock advances, or misses this tick. */
        CLOCK(0); CLOCK(1); CLOCK(2);
        if
        :: lease_own != FREE && g_quiet < T -> g_quiet++
        :: else
        fi;
        /* Heartbeats. */
        HEARTBEAT(0); HEARTBEAT(1); HEARTBEAT(2);
        if
        :: g_quiet >= T -> gap = 1
        :: else
        fi;
        /* Every waiting main thread that is not stalled runs again. */
        WAKE(0); WAKE(1); WAKE(2)
    }
    od
}

/* ======================================================================
 * Liveness, checked with pan -a -f (weak fairness).
 */

/* A host that wants the lease gets it, unless it crashes. */
ltl get1 { [] (want[1] -> <> (!want[1] || crashed[1])) }

/* A lease held by a crashed host goes to a host that wants it. */
ltl takeover { [] ((want[1] && crashed[lease_own]) -> <> (lease_own == 1 || crashed[1])) }
