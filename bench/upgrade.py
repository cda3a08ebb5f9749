#!/usr/bin/env python3
"""upgrade.py: how long `tendctl upgrade` takes with N programs (until the
new tend has answered), and the restart latency of programs killed while it
runs (SPEC 10: a program's restart p99 within 10 ms of isolation).

    python3 bench/upgrade.py BUILD_DIR N [N...]

As root, from the root of a clone, after `meson setup BUILD_DIR && meson
compile -C BUILD_DIR`. Builds bench/child.c (static) into a temporary
directory, starts BUILD_DIR's tend with N programs (cN: bench/child, which
records its start on a FIFO), waits until all have started, then kills one
program every 10 ms (c0, c1, ... in turn) and measures each restart (the
replacement's own CLOCK_MONOTONIC at main minus the kill's), while
`tendctl upgrade` runs three times (BENCH_UPGRADES) to a fresh copy of
tend. The programs' stdout is null (BENCH_STDOUT=log: tend's default, a
capture pipe each). Prints the upgrade times and the restart latencies of kills before
and during the upgrades (and how many of these took over 10 ms).
"""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # a child subreaper: reap all
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPGRADES = int(os.environ.get("BENCH_UPGRADES", "3"))  # upgrades per run
# the programs' stdout: "null", or "log" (tend's default: a capture pipe
# each, which an upgrade carries too)
STDOUT = os.environ.get("BENCH_STDOUT", "null")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


class Records:
    """ID -> [(pid, ns)] from the children's FIFO."""

    def __init__(self, fifo):
        self.runs, self.cond = {}, threading.Condition()
        threading.Thread(target=self.read, args=(fifo,), daemon=True).start()

    def read(self, fifo):
        with open(fifo, "rb") as f:
            for line in f:
                i, pid, ns = line.split()
                with self.cond:
                    self.runs.setdefault(i.decode(), []).append((int(pid), int(ns)))
                    self.cond.notify_all()

    def wait(self, cond, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: cond(self.runs), timeout)


def killer(rec, n, stop, out):
    """Kill c0, c1, ... every 10 ms; (kill time, latency ms) of each."""
    i = 0
    while not stop.is_set():
        name = f"c{i % n}"
        with rec.cond:
            runs = list(rec.runs.get(name, []))
        pid, _ = runs[-1]
        k = len(runs)
        t0 = time.monotonic_ns()
        os.kill(pid, signal.SIGKILL)
        if rec.wait(lambda r: len(r.get(name, [])) > k, 10):
            out.append((t0, (rec.runs[name][k][1] - t0) / 1e6))
        i += 1
        time.sleep(0.01)


def latency_text(before, during, what):
    """The restart latencies before and during the live changes, in words."""
    return (f"restart latency before: p50 {pct(before, .5):.2f} p99 "
            f"{pct(before, .99):.2f} ms ({len(before)} kills); during the "
            f"{what}: p50 {pct(during, .5):.2f} p99 {pct(during, .99):.2f} max "
            f"{max(during, default=float('nan')):.2f} ms ({len(during)} kills, "
            f"{sum(1 for x in during if x > 10)} over 10 ms)")


def under_kills(build, n, write_conf, act, prefix):
    """Start tend with the configuration write_conf(work, child, 0) writes
    (its first n programs c0, c1, ...: bench/child, recording on the FIFO;
    it may add more), wait until all have started, then kill c0, c1, ...
    in turn every 10 ms while act(work, child, ctl) runs; act returns the
    (start, end) windows of its live changes. Returns the restart latencies
    before the first window and during any."""
    work = tempfile.mkdtemp(prefix=prefix)
    child = f"{work}/child"
    subprocess.run(["gcc", "-static", "-O2", "-o", child, f"{ROOT}/bench/child.c"],
                   check=True)
    fifo = f"{work}/fifo"
    os.mkfifo(fifo)
    shutil.copy(f"{build}/supervisord/tend", f"{work}/tend")
    write_conf(work, child, 0)
    with open(f"{work}/tend.conf") as f:
        programs = f.read().count("[program:")
    rec = Records(fifo)
    env = dict(os.environ, BENCH_FIFO=fifo)
    holder = os.open(fifo, os.O_WRONLY)  # the FIFO never sees EOF
    p = subprocess.Popen([f"{work}/tend", "-c", f"{work}/tend.conf"], env=env,
                         stderr=open(f"{work}/tend.err", "w"))
    if not rec.wait(lambda r: len(r) >= programs, 600):
        sys.exit(f"not all {programs} programs started: {tail(work)}")
    ctl = [f"{build}/ctl/tendctl", "-s", f"{work}/s.sock"]
    lat, stop = [], threading.Event()
    th = threading.Thread(target=killer, args=(rec, n, stop, lat))
    th.start()
    time.sleep(2)
    windows = act(work, child, ctl)
    stop.set()
    th.join()
    during = [l for t, l in lat if any(a <= t <= b for a, b in windows)]
    before = [l for t, l in lat if t < windows[0][0]]
    subprocess.run(ctl + ["shutdown"], capture_output=True)
    p.wait(600)
    os.close(holder)
    shutil.rmtree(work, ignore_errors=True)
    return before, during


def run(build, n):
    times = []

    def write_conf(work, child, _variant):
        with open(f"{work}/tend.conf", "w") as f:
            f.write(f"[tend]\nsocket = {work}/s.sock\n"
                    "[supervisor:root]\nintensity = infinity\n")
            for i in range(n):
                f.write(f"[program:c{i}]\ncommand = {child} c{i}\n"
                        f"stdout = {STDOUT}\n")

    def upgrades(work, _child, ctl):
        windows = []
        for k in range(UPGRADES):
            new = f"{work}/tend-{k}"
            shutil.copy(f"{build}/supervisord/tend", new)
            t0 = time.monotonic_ns()
            r = subprocess.run(ctl + ["upgrade", new], capture_output=True,
                               text=True)
            t1 = time.monotonic_ns()
            if r.returncode != 0:
                sys.exit(f"upgrade failed: {r.stdout}{r.stderr}")
            times.append((t1 - t0) / 1e6)
            windows.append((t0, t1))
            time.sleep(1)
        return windows

    before, during = under_kills(build, n, write_conf, upgrades,
                                 "tend-upgrade-bench-")
    print(f"N={n} (stdout = {STDOUT}): upgrade (until the new tend answered) "
          f"{', '.join(f'{x:.0f}' for x in times)} ms; "
          f"{latency_text(before, during, 'upgrades')}", flush=True)


def tail(work):
    with open(f"{work}/tend.err") as f:
        return f.read()[-500:]


if __name__ == "__main__":
    for arg in sys.argv[2:]:
        run(sys.argv[1], int(arg))
