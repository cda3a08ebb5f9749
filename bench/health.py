#!/usr/bin/env python3
"""bench/health.py: does a health check every 10 s on 1,000 programs slow
down the restart of another program? (issue 15; SPEC 10's isolation bound:
p99 within 10 ms.)

    python3 bench/health.py [--kills N] [--n N] [--tend PATH --tendctl PATH]

As root, from the root of a clone with tend built in build/ (or --tend and
--tendctl). It builds bench/child.c (static) into bench/.work/health/ if
needed, then runs tend twice in a row, with the bench's own records (see
bench.py): 1,000 programs (c0 ... c999, bench/child) under the root, and
in the second run each of them has `health = exec:true`,
`health_interval = 10s` (100 check commands a second, spread over the
interval). In each run it waits until every program is up and, with
checks, 15 s more (every program past its first check), then SIGKILLs
c0, c1, ... in turn (10 ms apart) and times kill -> the replacement's
main, as bench.py's restart latency does; it also counts tend's context
switches and CPU time over 10 s of doing nothing else. Results go to
stdout and bench/out/health.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adapters  # noqa: E402
import bench  # noqa: E402


class TendHealth(adapters.Tend):
    name = "tend-health"
    label = "tend, health = exec:true every 10s on each"

    def write_config(self):
        super().write_config()
        path = os.path.join(self.dir, "tend.conf")
        with open(path) as f:
            lines = f.read().split("\n")
        out = []
        for ln in lines:
            out.append(ln)
            if ln.startswith("command = ") and " c" in ln:
                out += ["health = exec:true", "health_interval = 10s"]
        with open(path, "w") as f:
            f.write("\n".join(out))


def cpu_ctxt(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    v, _ = bench.ctxt([pid])
    return ticks, v


def tend_pid(sup):
    """tend itself (the adapter may start it through a sh that execs)."""
    return sup.proc.pid


def run_one(b, sup, n, kills, settle):
    s, started, ok = b.up(sup, n)
    if not ok:
        return {"error": f"only {started} of {n} started"}
    bench.log(f"{sup.name}: {n} up in {s:.2f} s; settling {settle} s")
    time.sleep(settle)
    pid = tend_pid(sup)
    t0, v0 = cpu_ctxt(pid)
    time.sleep(10)
    t1, v1 = cpu_ctxt(pid)
    hz = os.sysconf("SC_CLK_TCK")
    quiet = {"cpu_ms_per_s": (t1 - t0) * 1000 / hz / 10,
             "wakeups_per_s": (v1 - v0) / 10}
    ids = [f"c{i}" for i in range(n)]
    r = b.restart_latency(sup, ids, kills, old=False)
    return {"start_s": s, "quiet": quiet, "restart": r}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--settle", type=int, default=15)
    p.add_argument("--tend", default=os.path.join(root, "build/supervisord/tend"))
    p.add_argument("--tendctl", default=os.path.join(root, "build/ctl/tendctl"))
    a = p.parse_args()
    work = os.path.join(root, "bench/.work/health")
    os.makedirs(work, exist_ok=True)
    child = os.path.join(work, "child")
    if not os.path.exists(child):
        subprocess.run(["gcc", "-static", "-O2", "-o", child,
                        os.path.join(root, "bench/child.c")], check=True)
    import ctypes
    if ctypes.CDLL(None).prctl(bench.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("health.py: cannot become a child subreaper")
    args = SimpleNamespace(work=work, bin=work, tend=a.tend, tendctl=a.tendctl,
                           log_bytes=0, json=os.path.join(work, "raw.json"),
                           only=None, start_timeout=300, kill_timeout=30)
    b = bench.Bench(args)
    res = {"n": a.n, "kills": a.kills, "load_before": bench.loadavg(),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "tend_version": subprocess.run([a.tend, "--version"], stdout=subprocess.PIPE,
                                  text=True).stdout.strip()}
    for cls, settle in ((adapters.Tend, 2), (TendHealth, a.settle)):
        sup = cls(b.ctx)
        try:
            bench.log(f"{sup.name}: {a.n} programs")
            res[sup.name] = run_one(b, sup, a.n, a.kills, settle)
        finally:
            b.down(sup)
    res["load_after"] = bench.loadavg()
    os.makedirs(os.path.join(root, "bench/out"), exist_ok=True)
    with open(os.path.join(root, "bench/out/health.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print(f"load {res['load_before']} -> {res['load_after']}")
    print(f"{'':28} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
          f" {'CPU ms/s':>9} {'wakeups/s':>10}")
    for name in ("tend", "tend-health"):
        r = res[name]
        if "error" in r:
            print(f"{name:28} {r['error']}")
            continue
        q = r["restart"]
        print(f"{name:28} {q['p50']:8.2f} {q['p90']:8.2f} {q['p99']:8.2f} "
              f"{q['max']:8.2f} {r['quiet']['cpu_ms_per_s']:9.1f} "
              f"{r['quiet']['wakeups_per_s']:10.1f}")


if __name__ == "__main__":
    main()
