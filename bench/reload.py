#!/usr/bin/env python3
"""reload.py: what a live change costs with N programs (issue 16): how long
`tendctl reload` takes when nothing changed and when one program's command
changed (it restarts alone), how long a start-first handover of one
program takes (`tendctl restart`, until the new instance is ready and the
old one asked to stop), and the restart latency of programs killed while
the reloads run (SPEC 10's isolation bound).

    python3 bench/reload.py BUILD_DIR N [N...]

As root, from the root of a clone, after `meson setup BUILD_DIR && meson
compile -C BUILD_DIR`. Uses bench/upgrade.py's FIFO records and killer:
bench/child is built static into a temporary directory and run as cN (and
h, with handover = start_first); one program is killed every 10 ms
throughout.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from upgrade import ROOT, Records, killer, pct, tail  # noqa: E402


def write_conf(work, child, n, variant):
    """N plain programs, c0's command in one of two variants, and h."""
    with open(f"{work}/tend.conf.tmp", "w") as f:
        f.write(f"[tend]\nsocket = {work}/s.sock\n"
                "[supervisor:root]\nintensity = infinity\n")
        for i in range(n):
            extra = f" v{variant}" if i == 0 else ""
            f.write(f"[program:c{i}]\ncommand = {child} c{i}{extra}\n"
                    "stdout = null\n")
        f.write(f"[program:h]\ncommand = {child} h\nstdout = null\n"
                "handover = start_first\n")
    os.rename(f"{work}/tend.conf.tmp", f"{work}/tend.conf")


def timed(ctl, args):
    t0 = time.monotonic_ns()
    r = subprocess.run(ctl + args, capture_output=True, text=True)
    t1 = time.monotonic_ns()
    if r.returncode != 0:
        sys.exit(f"tendctl {' '.join(args)}: {r.stdout}{r.stderr}")
    return t0, t1


def run(build, n):
    work = tempfile.mkdtemp(prefix="tend-reload-bench-")
    child = f"{work}/child"
    subprocess.run(["gcc", "-static", "-O2", "-o", child, f"{ROOT}/bench/child.c"],
                   check=True)
    fifo = f"{work}/fifo"
    os.mkfifo(fifo)
    write_conf(work, child, n, 0)
    rec = Records(fifo)
    env = dict(os.environ, BENCH_FIFO=fifo)
    holder = os.open(fifo, os.O_WRONLY)  # the FIFO never sees EOF
    p = subprocess.Popen([f"{build}/supervisord/tend", "-c", f"{work}/tend.conf"],
                         env=env, stderr=open(f"{work}/tend.err", "w"))
    if not rec.wait(lambda r: len(r) >= n + 1, 600):
        sys.exit(f"not all {n} programs started: {tail(work)}")
    ctl = [f"{build}/ctl/tendctl", "-s", f"{work}/s.sock"]
    lat, stop = [], threading.Event()
    th = threading.Thread(target=killer, args=(rec, n, stop, lat))
    th.start()
    time.sleep(2)
    same, one, hand, windows = [], [], [], []
    for k in range(10):
        t0, t1 = timed(ctl, ["reload"])
        same.append((t1 - t0) / 1e6)
        windows.append((t0, t1))
        time.sleep(0.5)
        write_conf(work, child, n, k + 1)
        t0, t1 = timed(ctl, ["reload"])
        one.append((t1 - t0) / 1e6)
        windows.append((t0, t1))
        time.sleep(0.5)
        t0, t1 = timed(ctl, ["restart", "h"])
        hand.append((t1 - t0) / 1e6)
        time.sleep(0.5)
    stop.set()
    th.join()
    during = [l for t, l in lat if any(a <= t <= b for a, b in windows)]
    before = [l for t, l in lat if t < windows[0][0]]
    subprocess.run(ctl + ["shutdown"], capture_output=True)
    p.wait(600)
    os.close(holder)

    def ms(v):
        return ", ".join(f"{x:.0f}" for x in v)
    print(f"N={n}: reload, nothing changed: {ms(same)} ms; one command "
          f"changed: {ms(one)} ms; start-first handover (restart h): "
          f"{ms(hand)} ms; restart latency before: p50 {pct(before, .5):.2f} "
          f"p99 {pct(before, .99):.2f} ms ({len(before)} kills); during the "
          f"reloads: p50 {pct(during, .5):.2f} p99 {pct(during, .99):.2f} "
          f"max {max(during, default=float('nan')):.2f} ms ({len(during)} kills)",
          flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for arg in sys.argv[2:]:
        run(sys.argv[1], int(arg))
