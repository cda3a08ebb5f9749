"""report.py: the results of bench.py as Markdown tables, written into
bench/README.md between the two RESULTS markers (everything else in the
README is left as it is).

Each row: tend's figure, tend with cgroups = no, the floor's, each
peer's, tend divided by the floor and by the best peer, the SPEC 10
target and whether tend meets it. "n/a" means the peer cannot do it
(the reason is in the notes), "-" that it was not measured.
"""
import re

BEGIN = "<!-- RESULTS {mode}: BEGIN (written by bench/report.py) -->"
END = "<!-- RESULTS {mode}: END -->"
SUPS = ["tend", "tend-nocg", "floor", "supervisord", "runit", "s6",
        "s6-notify"]
PEERS = ["supervisord", "runit", "s6", "s6-notify"]
HEAD = ("| | tend | tend, cgroups = no | floor | supervisord | runit | s6 "
        "| s6, notification-fd | tend ÷ floor | tend ÷ best peer "
        "| SPEC 10 target | tend |")
RULE = "|" + "---|" * 12


def dig(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = d.get(k) if isinstance(d, dict) else None
    return d


def fmt(v, unit="", digits=None):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if digits is None:
        digits = 2 if abs(v) < 10 else (1 if abs(v) < 100 else 0)
    s = f"{v:,.{digits}f}"
    return s + unit


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    return f"{r:.2f}×" if r >= 0.01 else f"{r:.4f}×"


class Row:
    def __init__(self, res, label, get, unit="", lower_better=True,
                 target="", check=None, na=None, digits=None, alias=None):
        self.res, self.label, self.get, self.unit = res, label, get, unit
        self.alias = alias or {}
        self.lower, self.target, self.check = lower_better, target, check
        self.na, self.digits = na or {}, digits

    def value(self, sup):
        try:
            return self.get(self.res["runs"].get(self.alias.get(sup, sup),
                                                 {}))
        except (KeyError, TypeError, ZeroDivisionError):
            return None

    def render(self):
        vals = {s: self.value(s) for s in SUPS}
        cells = []
        for s in SUPS:
            if vals[s] is None and s in self.na:
                cells.append("n/a")
            else:
                cells.append(fmt(vals[s], self.unit, self.digits))
        t, f = vals["tend"], vals["floor"]
        peers = [vals[p] for p in PEERS if vals[p] is not None]
        best = (min(peers) if self.lower else max(peers)) if peers else None
        verdict = ""
        if self.check is not None:
            ok = self.check(vals)
            verdict = "-" if ok is None else ("met" if ok else "**not met**")
        return "| " + " | ".join([self.label] + cells + [
            ratio(t, f), ratio(t, best), self.target, verdict]) + " |"


def table(rows):
    return "\n".join([HEAD, RULE] + [r.render() for r in rows])


NULL_ALIAS = {"tend": "tend-null", "tend-nocg": "tend-nocg-null"}


def with_null_twins(res, rows, keys):
    """After each row about 10,000 children, the same row for tend with
    stdout = null, when that was measured."""
    if "tend-null" not in res["runs"]:
        return rows
    out = []
    for r in rows:
        out.append(r)
        if any(k in r.label for k in keys):
            t = Row(r.res, r.label + " — tend with stdout = null", r.get,
                    r.unit, r.lower, r.target, r.check, r.na, r.digits,
                    alias=NULL_ALIAS)
            out.append(t)
            r.target, r.check = "", None  # judged on the twin
    return out


def lat(key, q):
    return lambda r: dig(r, key, q)


def none_if_missing(fn):
    def g(vals):
        try:
            return fn(vals)
        except TypeError:
            return None
    return g


def render(res):
    m, p = res["machine"], res["params"]
    nb, nh = p["n_big"], p["n_huge"]
    quick = p["mode"] == "quick"
    v = m["versions"]
    out = []
    out.append(f"Mode **{p['mode']}** (`{p['command']}`), "
               f"{m['date']}, took {res.get('duration_s', 0) / 60:.0f} min.\n")
    out.append(f"Machine: {m['nproc']} CPUs ({m['cpu']}), "
               f"{m['mem_total'].split(':')[-1].strip()}, Linux "
               f"{m['kernel']}, Debian {m['debian']}, pid_max "
               f"{m['pid_max']}, open files {m['nofile'][0]} (soft) and "
               f"{m['nofile'][1]} (hard), load average {m['load_before']} before, "
               f"{m.get('load_after', '?')} after.\n")
    out.append(f"Versions: {v['tend']} ({v['tend_rev']}), supervisor "
               f"{v['supervisor']}, runit {v['runit']}, s6 {v['s6']}, tini "
               f"{v['tini']}, dumb-init {v['dumb-init']}, libev "
               f"{v['libev4']}, glibc {v['libc6']}.\n")
    out.append(f"Sizes: {nb:,} and {nh:,} children, {p['kills']} kills per "
               f"restart row ({p['kills_old_1']} for a peer's single old "
               f"child, {p['kills_young']} for young kills), {p['reps']} "
               f"runs per command, {p['idle']} s idle, "
               f"{p['orphans']:,} orphans, {p['log_bytes'] >> 20} MiB of "
               f"log.\n")
    for note in res.get("notes", []):
        out.append(note + "\n")
    for sup in res.get("supplements", []):
        out.append(f"Added afterwards by `{sup['command']}` ({sup['date']}, "
                   f"{sup['duration_s'] / 60:.0f} min).\n")
    if quick:
        out.append("Quick mode: the SPEC targets stated for 1,000 and "
                   "10,000 children are judged here at "
                   f"{nb:,} and {nh:,}; only a full run decides them.\n")

    # 1. restart latency
    rows = []
    res_runs = res["runs"]

    def rr(key, q, label, check=None, target=""):
        return Row(res, label, lat(key, q), " ms", check=check,
                   target=target)
    rows.append(rr("restart_1", "p50", "1 child, p50"))
    rows.append(rr("restart_1", "p90", "1 child, p90"))
    rows.append(rr("restart_1", "p99", "1 child, p99"))

    def within(key, q, factor):
        def chk(vals):
            t = vals["tend"]
            f = dig(res_runs, "floor", key, q)
            peers = [dig(res_runs, s, key, q) for s in PEERS]
            peers = [x for x in peers if x is not None]
            if t is None or f is None:
                return None
            return t <= f * factor and all(t < x for x in peers)
        return chk
    rows.append(rr("restart_big", "p50", f"{nb:,} children, p50",
                   within("restart_big", "p50", 1.10),
                   "≤ 1.1 × floor [1 ms], below every peer"))
    rows.append(rr("restart_big", "p90", f"{nb:,} children, p90"))
    rows.append(rr("restart_big", "p99", f"{nb:,} children, p99",
                   within("restart_big", "p99", 2.0),
                   "≤ 2 × floor [5 ms], below every peer"))
    young = []
    for key, label in (("restart_1_young", "1 child"),
                       ("restart_big_young", f"{nb:,} children")):
        for q in ("p50", "p99"):
            young.append(Row(
                res, f"{label}, killed young, {q}",
                lambda r, k=key, q=q, b=key[:-len("_young")]:
                dig(r, k, q) if dig(r, k) is not None else
                (dig(r, b, q) if dig(r, b, "old") is False else None),
                " ms"))
    out.append("### 1. Restart latency: SIGKILL of a child until its "
               "replacement's main runs\n")
    out.append("tend and the floor restart at once whatever the child's "
               "age: their children are killed right after they start (1 "
               "child) or in turn (many). supervisord, runit and s6 are "
               "killed **old** (child up more than 1.1 s) in the main "
               "rows, since they delay the restart of a child that lived "
               "under a second by design; the *killed young* rows show "
               "that delay (for tend and the floor those rows repeat "
               "their only figure).\n")
    out.append(table(rows + young))
    sl = dig(res_runs, "floor", "self_loop")
    if sl:
        out.append(f"\nThe floor's own loop (kill, signalfd, waitpid, "
                   f"posix_spawn returns, no FIFO, no bench): p50 "
                   f"{fmt(sl['p50'])} ms, p90 {fmt(sl['p90'])} ms, p99 "
                   f"{fmt(sl['p99'])} ms over {sl['n']} kills.\n")

    # 2. mass start and stop
    def rate_check(key, what):
        def chk(vals):
            t = dig(res_runs, "tend", key, what)
            f = dig(res_runs, "floor", key, what)
            if t is None or f is None:
                return None
            return t >= 0.8 * f
        return chk

    def seq_rate(key):
        d = dig(res_runs, "floor-seq", key)
        return d["children"] / d["stop_s"] if d and d.get("stop_s") \
            else None

    def stop_rate(key):
        return lambda r: (dig(r, key, "children") / dig(r, key, "stop_s")
                          if dig(r, key, "stop_s") else None)
    na_runit = {"runit": True}
    rows = [
        Row(res, f"start {nb:,}: until all exec'd", lat("start_big", "s"),
            " s"),
        Row(res, f"start {nb:,}: rate", lat("start_big", "rate"), "/s",
            lower_better=False),
        Row(res, f"stop {nb:,}: until all exited", lat("stop_big", "stop_s"),
            " s"),
        Row(res, f"start {nh:,}: until all exec'd", lat("start_huge", "s"),
            " s", na=na_runit),
        Row(res, f"start {nh:,}: rate", lat("start_huge", "rate"), "/s",
            lower_better=False, na=na_runit,
            target="≥ 0.8 × floor's rate [10,000 within 2 s]",
            check=lambda vals: (vals["tend"] >= 0.8 * vals["floor"])
            if vals["tend"] and vals["floor"] else None),
        Row(res, f"stop {nh:,}: until all exited",
            lat("stop_huge", "stop_s"), " s", na=na_runit),
        Row(res, f"stop {nh:,}: rate", stop_rate("stop_huge"), "/s",
            lower_better=False, na=na_runit,
            target="≥ 0.8 × floor's rate (the floor stopping one by one)",
            check=lambda vals: (vals["tend"] >= 0.8 * seq_rate("stop_huge"))
            if vals["tend"] and seq_rate("stop_huge") else None),
    ]
    out.append("\n### 2. Mass start and stop\n")
    out.append("Start: from launching the supervisor until the last "
               "child's main ran (the supervisor's own start-up "
               "included). Stop: from the stop request (TERM to tend, the "
               "floor and supervisord; HUP to runsvdir, which TERMs every "
               "runsv; `s6-svscanctl -t`) until the last child exited, "
               "seen through pidfds.\n")
    out.append(table(with_null_twins(res, rows, [f"{nh:,}"])))
    partial = []
    for s in SUPS:
        for key, n in (("start_big", nb), ("start_huge", nh)):
            d = dig(res_runs, s, key)
            if d and d.get("s") is None:
                partial.append(f"{s}: {d['started']:,} of {n:,} started "
                               f"before the timeout")
    if partial:
        out.append("\nDid not finish: " + "; ".join(partial) + ".\n")
    seq = [(n, dig(res_runs, "floor-seq", k)) for n, k in
           ((nb, "stop_big"), (nh, "stop_huge"))]
    seq = [(n, d) for n, d in seq if d and d.get("stop_s")]
    if seq:
        out.append("\nThe floor column stops every child at once. tend, "
                   "like an OTP supervisor, stops its children one after "
                   "another in reverse start order (SPEC 4, SPEC 11), so "
                   "the stop target is judged against the floor doing the "
                   "same (`floor -S`): " + "; ".join(
                       f"{n:,} stopped in {fmt(d['stop_s'])} s "
                       f"({fmt(d['children'] / d['stop_s'], '/s', 0)})"
                       for n, d in seq) + ".\n")

    # 3. memory
    def mib(key, field):
        return lambda r: (dig(r, key, field) / 1024.0
                          if dig(r, key, field) is not None else None)
    rows = []
    for key, n in (("mem_1", 1), ("mem_big", nb), ("mem_huge", nh)):
        tgt, chk = "", None
        if n == 1:
            tgt = "RSS ≤ 2 MiB"
            chk = (lambda vals: vals["tend"] <= 2.0
                   if vals["tend"] is not None else None)
        if n == nh:
            tgt = "RSS ≤ 16 MiB" + (" (at 10,000)" if quick else "")
            chk = (lambda vals: vals["tend"] <= 16.0
                   if vals["tend"] is not None else None)
        what = "1 child" if n == 1 else f"{n:,} children"
        rows.append(Row(res, f"{what}, RSS", mib(key, "rss_kib"),
                        " MiB", target=tgt, check=chk,
                        na=na_runit if n == nh else None))
        rows.append(Row(res, f"{what}, PSS", mib(key, "pss_kib"),
                        " MiB", na=na_runit if n == nh else None))
        rows.append(Row(res, f"{what}, processes",
                        lambda r, k=key: dig(r, k, "procs"), "",
                        na=na_runit if n == nh else None, digits=0))
    out.append("\n### 3. Memory of the supervisor side\n")
    out.append("Summed over supervisord; runsvdir and every runsv; "
               "s6-svscan and every s6-supervise; tend alone; the floor "
               "alone (smaps_rollup). Loggers and children are not "
               "counted.\n")
    out.append(table(with_null_twins(res, rows, [f"{nh:,}"])))

    # 4. idle
    rows = [Row(res, f"{nb:,} children, voluntary switches in "
                     f"{p['idle']} s", lat("idle", "voluntary"), "",
                target="0", digits=0,
                check=lambda vals: vals["tend"] == 0
                if vals["tend"] is not None else None),
            Row(res, "involuntary", lat("idle", "involuntary"), "",
                digits=0)]
    out.append("\n### 4. Idle wake-ups\n")
    out.append(table(rows))

    # 5. status
    def cli(key):
        return lambda r: dig(r, key, "cli", "median_ms")
    rows = [
        Row(res, f"status of {nb:,}, median", lat("status_big", "median_ms"),
            " ms"),
        Row(res, f"status of {nh:,}, median", lat("status_huge",
                                                   "median_ms"),
            " ms", na=na_runit,
            target="≤ 50 ms (10,000)",
            check=lambda vals: vals["tend"] <= 50
            if vals["tend"] is not None else None),
        Row(res, f"status of {nh:,}, max", lat("status_huge", "max_ms"),
            " ms", na=na_runit),
        Row(res, "one child's pid/status (1 child), median", cli(
            "round_trip_1"), " ms",
            target="(process start alone: see below)"),
        Row(res, f"one child's pid/status ({nh:,}), median",
            cli("round_trip_huge"), " ms", na=na_runit),
        Row(res, f"top of {nb:,}: one reading (a refresh), median",
            lambda r: dig(r, "top_big", "reading", "p50"), " ms",
            target="≤ 100 ms (1,000)",
            check=lambda vals: vals["tend"] <= 100
            if vals["tend"] is not None else None),
        Row(res, f"top of {nh:,}: one reading (a refresh), median",
            lambda r: dig(r, "top_huge", "reading", "p50"), " ms",
            na=na_runit, target="≤ 1 s (10,000)",
            check=lambda vals: vals["tend"] <= 1000
            if vals["tend"] is not None else None),
        Row(res, f"top of {nh:,}: one reading, max",
            lambda r: dig(r, "top_huge", "reading", "max"), " ms",
            na=na_runit),
        Row(res, f"`tendctl top --interval 100ms` of {nh:,}, median",
            lambda r: dig(r, "top_huge", "cli", "median_ms"), " ms",
            na=na_runit),
        Row(res, f"tend's socket alone ({nh:,}), p50",
            lambda r: dig(r, "round_trip_huge", "socket", "p50"), " ms"),
        Row(res, f"tend's socket alone ({nh:,}), p99",
            lambda r: dig(r, "round_trip_huge", "socket", "p99"), " ms",
            target="round trip ≤ 1 ms",
            check=lambda vals: vals["tend"] <= 1.0
            if vals["tend"] is not None else None),
    ]
    out.append("\n### 5. Status\n")
    out.append("Wall time of the command, process start included: "
               "`tendctl status`, `supervisorctl status`, one `sv status` "
               "with every service directory, `s6-svstat` once per service "
               "(it takes one). One child: `tendctl pid c0`, "
               "`supervisorctl pid c0`, `sv status DIR`, `s6-svstat DIR`. "
               "*Socket alone*: one request over tend's socket from the "
               "bench (Python), without starting tendctl.\n")
    out.append(table(with_null_twins(res, rows, [f"{nh:,}"])))
    ex = res.get("exec_floor")
    if ex:
        out.append(f"\nStarting any small dynamic program here costs "
                   f"{fmt(ex)} ms (`/bin/true`, median), so no command can "
                   "answer within 1 ms; the round-trip target is judged "
                   "on tend's socket, and tendctl's own figure is that "
                   "cost plus the socket's.\n")

    # 6. isolation
    rows = [
        Row(res, f"restart, {nb:,} children, p50",
            lambda r: dig(r, "isolation", "restart", "p50"), " ms"),
        Row(res, f"restart, {nb:,} children, p99",
            lambda r: dig(r, "isolation", "restart", "p99"), " ms",
            target="p99 ≤ 10 ms", check=lambda vals: vals["tend"] <= 10
            if vals["tend"] is not None else None),
        Row(res, "status of all, median",
            lambda r: dig(r, "isolation", "status", "median_ms"), " ms"),
        Row(res, "status of all, max",
            lambda r: dig(r, "isolation", "status", "max_ms"), " ms",
            target="≤ 10 ms", check=lambda vals: vals["tend"] <= 10
            if vals["tend"] is not None else None),
        Row(res, "one child's pid, median",
            lambda r: dig(r, "isolation", "round_trip", "cli", "median_ms"),
            " ms"),
        Row(res, "tend's socket alone, p99",
            lambda r: dig(r, "isolation", "round_trip", "socket", "p99"),
            " ms"),
    ]
    out.append("\n### 6. Isolation: a crash loop and a flood beside "
               f"{nb:,} children\n")
    out.append("`crash0` exits 1 at once, restarted as fast as each "
               "supervisor allows (tend: `intensity = infinity`; "
               "supervisord: `startsecs = 0`; runit and s6 wait 1 s by "
               "design); `flood0` is `yes`, its output captured into a "
               "rotated file (tend log_dir, supervisord logfile, svlogd, "
               "s6-log).\n")
    out.append(table(rows))
    for s_ in SUPS:
        n_ = dig(res_runs, s_, "isolation_n")
        if n_:
            out.append(f"\n{s_}: {n_:,} children instead of {nb:,}, since "
                       f"it supervises at most {n_ + 2:,} services.\n")

    # 7. log
    lf = dig(res_runs, "floor", "log_floor") or {}
    rows = [Row(res, "MB/s (10^6 bytes) into a file",
                lambda r: dig(r, "log", "mb_s"), "", lower_better=False,
                target="≥ 500 MB/s", check=lambda vals: vals["tend"] >= 500
                if vals["tend"] is not None else None)]
    out.append("\n### 7. Log capture throughput\n")
    out.append(f"One program writes {p['log_bytes'] >> 20} MiB of 100-byte "
               "lines in 64 KiB writes; from its first instruction until "
               "the log files hold every byte. tend: log_dir; "
               "supervisord: stdout_logfile; runit: svlogd (defaults); "
               "s6: s6-log. The floor here is the writer redirected to "
               f"the file ({fmt(lf.get('file'))} MB/s) and piped through "
               f"cat ({fmt(lf.get('pipe'))} MB/s); the floor column shows "
               "the pipe.\n")
    res_runs.setdefault("floor", {}).setdefault(
        "log", {"mb_s": lf.get("pipe")})
    out.append(table(rows))

    # 8. pid 1
    pid1 = res_runs.get("pid1", {})
    out.append("\n### 8. As PID 1: orphans released at once\n")
    out.append(f"`unshare --pid --fork --mount-proc INIT orphans "
               f"{p['orphans']}`: an intermediate process forks the "
               "orphans and exits; they block on a pipe; the maker closes "
               "it and times until the last is reaped (kill(pid, 0) "
               "fails). Zombies counted in the namespace 0.5 s later; "
               f"wake-ups are PID 1's voluntary switches over {p['idle']} s "
               "afterwards.\n")
    out.append("| | tend | tini | dumb-init | minimal reaper | tend ÷ "
               "reaper | SPEC 10 target | tend |")
    out.append("|" + "---|" * 8)
    inits = ["tend", "tini", "dumb-init", "reaper"]

    def prow(label, get, unit, target="", check=None, digits=None):
        vals = {i: get(pid1.get(i) or {}) for i in inits}
        verdict = ""
        if check:
            ok = check(vals)
            verdict = "-" if ok is None else ("met" if ok else "**not met**")
        return "| " + " | ".join(
            [label] + [fmt(vals[i], unit, digits) for i in inits] +
            [ratio(vals["tend"], vals["reaper"]), target, verdict]) + " |"

    def reap_s(d):
        return d.get("reap_s") if d.get("reap_s", -1) >= 0 else None
    out.append(prow("all reaped after", reap_s, " s",
                    "≤ 1.1 × reaper",
                    lambda v: v["tend"] <= 1.1 * v["reaper"]
                    if v["tend"] and v["reaper"] else None, digits=3))
    out.append(prow("reaped per second",
                    lambda d: d["orphans"] / reap_s(d) if reap_s(d)
                    else None, "/s", digits=0))
    out.append(prow("zombies left", lambda d: d.get("zombies_after"), "",
                    "0", lambda v: v["tend"] == 0
                    if v["tend"] is not None else None, digits=0))
    out.append(prow("not reaped after 60 s", lambda d: d.get("not_reaped"),
                    "", digits=0))
    out.append(prow(f"idle wake-ups in {p['idle']} s",
                    lambda d: d.get("idle_voluntary"), "", "0",
                    lambda v: v["tend"] == 0
                    if v["tend"] is not None else None, digits=0))
    out.append(prow("PID 1's RSS", lambda d: dig(d, "init_mem", "rss_kib")
                    / 1024 if dig(d, "init_mem", "rss_kib") else None,
                    " MiB"))

    # notes
    notes = []
    for s in SUPS + ["tend-null", "tend-nocg-null", "floor-seq"]:
        for k, val in sorted(res_runs.get(s, {}).items()):
            if k.endswith("_na"):
                notes.append(f"{s}: {val}.")
            if k.startswith("error_"):
                notes.append(f"{s}: the {k[6:]} step failed: {val}.")
            if k.startswith("exit_"):
                notes.append(f"{s} with {int(k[5:]):,} children exited "
                             f"before they were all started: "
                             f"`{val[-200:]}`.")
    if notes:
        out.append("\nNotes from this run: " + " ".join(notes) + "\n")
    return "\n".join(out) + "\n"


def rewrite(path, results):
    """Replace the section of this run's mode (full or quick)."""
    text = render(results)
    mode = results["params"]["mode"]
    begin, end = BEGIN.format(mode=mode), END.format(mode=mode)
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = "# bench\n"
    if begin not in old:
        old += f"\n{begin}\n{end}\n"
    new = re.sub(re.escape(begin) + ".*?" + re.escape(end),
                 lambda _: f"{begin}\n\n{text}\n{end}", old, flags=re.S)
    with open(path, "w") as f:
        f.write(new)
