"""What the integration scripts share: the TAP-style result lines and
their summary, and whether a process is stopped.  (Older scripts still
carry their own copies: issue 12 moves them all onto one harness.)"""

results = []


def check(cond, what, detail=""):
    """One result line; @detail shows under a failure."""
    results.append(bool(cond))
    print(f"{'ok' if cond else 'not ok'} - {what}", flush=True)
    if not cond and detail:
        print(f"  # {detail}", flush=True)
    return bool(cond)


def finish():
    """Print the summary; the exit status."""
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def stopped(pid):
    """Whether process @pid is stopped (state T in /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except OSError:
        return False
