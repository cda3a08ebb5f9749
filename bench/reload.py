#!/usr/bin/env python3
"""reload.py: what a live change costs with N programs (issue 16): how long
`tendctl reload` takes when nothing changed and when one program's command
changed (it restarts alone), how long a start-first handover of one
program takes (`tendctl restart`, until the new instance is ready and the
old one asked to stop), and the restart latency of programs killed while
the reloads run (SPEC 10's isolation bound).

    python3 bench/reload.py BUILD_DIR N [N...]

As root, from the root of a clone, after `meson setup BUILD_DIR && meson
compile -C BUILD_DIR`. Runs under bench/upgrade.py's under_kills:
bench/child is built static into a temporary directory and run as cN (and
h, with handover = start_first); one program is killed every 10 ms
throughout.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from upgrade import latency_text, under_kills  # noqa: E402


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
    same, one, hand = [], [], []

    def reloads(work, child, ctl):
        windows = []
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
        return windows

    before, during = under_kills(
        build, n, lambda work, child, v: write_conf(work, child, n, v),
        reloads, "tend-reload-bench-")

    def ms(v):
        return ", ".join(f"{x:.0f}" for x in v)
    print(f"N={n}: reload, nothing changed: {ms(same)} ms; one command "
          f"changed: {ms(one)} ms; start-first handover (restart h): "
          f"{ms(hand)} ms; {latency_text(before, during, 'reloads')}",
          flush=True)


if __name__ == "__main__":
    for arg in sys.argv[2:]:
        run(sys.argv[1], int(arg))
