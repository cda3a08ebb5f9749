#!/usr/bin/env python3
"""bench.py: tend against the floor and the peers, side by side in one run
(SPEC 10). bench/run.sh builds everything and calls this; see
bench/README.md.

The bench is a child subreaper: whatever a supervisor leaves behind is
re-parented here, and after every measurement every descendant is killed
and reaped. Times come from CLOCK_MONOTONIC: the bench's own (just before
a kill or a command) and the children's (at the entry of their main, sent
through a FIFO).
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback

import adapters
import report

PR_SET_CHILD_SUBREAPER = 36
F_SETPIPE_SZ = 1031


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------- records

class Records:
    """The children's records, read from the FIFO by a thread."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        os.mkfifo(path, 0o666)
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            import fcntl
            fcntl.fcntl(self.fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        self.cv = threading.Condition()
        self.latest = {}   # id -> (pid, t_ns)
        self.starts = 0    # records since reset
        self.first = {}    # id -> t_ns of its first record since reset
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        buf = b""
        while True:
            chunk = os.read(self.fd, 1 << 16)
            buf += chunk
            *lines, buf = buf.split(b"\n")
            with self.cv:
                for line in lines:
                    try:
                        cid, pid, t = line.decode().split()
                    except ValueError:
                        continue
                    self.latest[cid] = (int(pid), int(t))
                    self.first.setdefault(cid, int(t))
                    self.starts += 1
                self.cv.notify_all()

    def reset(self):
        with self.cv:
            self.latest.clear()
            self.first.clear()
            self.starts = 0

    def wait_ids(self, ids, timeout):
        """Wait until every id has a record; True if all did."""
        ids = set(ids)
        end = time.monotonic() + timeout
        with self.cv:
            while not ids.issubset(self.first.keys()):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cv.wait(min(left, 1.0))
        return True

    def count(self, ids):
        with self.cv:
            return sum(1 for i in ids if i in self.first)

    def wait_new(self, cid, old_pid, timeout):
        """The (pid, t) of cid's next instance, or None."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                cur = self.latest.get(cid)
                if cur is not None and cur[0] != old_pid:
                    return cur
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def get(self, cid):
        with self.cv:
            return self.latest.get(cid)


# ------------------------------------------------------------ processes

def descendants(pid=None):
    pid = pid or os.getpid()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in adapters.children_of(p):
            out.append(c)
            todo.append(c)
    return out


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def sweep():
    """SIGKILL every descendant of the bench and reap them."""
    for _ in range(50):
        ds = descendants()
        if not ds:
            break
        for p in ds:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        reap()
    reap()


def proc_kb(pid, path, keys):
    out = dict.fromkeys(keys, 0)
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def memory(pids):
    rss = pss = 0
    for p in pids:
        m = proc_kb(p, "smaps_rollup", ("Rss", "Pss"))
        rss += m["Rss"]
        pss += m["Pss"]
    return {"rss_kib": rss, "pss_kib": pss, "procs": len(pids)}


def ctxt(pids):
    v = nv = 0
    for p in pids:
        m = proc_kb(p, "status", ("voluntary_ctxt_switches",
                                  "nonvoluntary_ctxt_switches"))
        v += m["voluntary_ctxt_switches"]
        nv += m["nonvoluntary_ctxt_switches"]
    return v, nv


def percentiles(xs):
    xs = sorted(xs)
    if not xs:
        return None

    def q(p):
        return xs[min(len(xs) - 1, max(0, int(round(p * len(xs) + 0.5)) - 1))]
    return {"n": len(xs), "p50": q(0.50), "p90": q(0.90), "p99": q(0.99),
            "max": xs[-1], "mean": statistics.fmean(xs)}


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


# ------------------------------------------------------------ the bench

class Ctx:
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.ctx = Ctx()
        c = self.ctx
        c.work = os.path.abspath(args.work)
        c.bin = os.path.abspath(args.bin)
        c.child = os.path.join(c.bin, "child")
        c.floor = os.path.join(c.bin, "floor")
        c.reaper = os.path.join(c.bin, "reaper")
        c.orphans = os.path.join(c.bin, "orphans")
        c.tend = os.path.abspath(args.tend)
        c.tendctl = os.path.abspath(args.tendctl)
        c.write_bytes = args.log_bytes
        os.makedirs(c.work, exist_ok=True)
        c.fifo = os.path.join(c.work, "records.fifo")
        self.rec = Records(c.fifo)
        self.results = {"runs": {}, "notes": []}
        self.only = set(args.only.split(",")) if args.only else None

    def sups(self, names=None):
        out = []
        for cls in adapters.ALL:
            if names and cls.name not in names:
                continue
            if self.only and cls.name not in self.only:
                continue
            out.append(cls(self.ctx))
        return out

    def put(self, sup, key, value):
        self.results["runs"].setdefault(sup, {})[key] = value
        self.save()

    def save(self):
        with open(self.args.json, "w") as f:
            json.dump(self.results, f, indent=1, sort_keys=True)

    # -- one supervisor up ---------------------------------------------
    def up(self, sup, n, extra=(), timeout=None):
        """Configure, start, wait until every child has a record. Returns
        (seconds from start to the last child's main, started count)."""
        timeout = timeout or self.args.start_timeout
        sup.configure(n, extra)
        self.rec.reset()
        ids = [i for i in sup.ids() if not i.startswith(("crash", "flood"))]
        t0 = now_ns()
        sup.start()
        end = time.monotonic() + timeout
        ok = False
        while time.monotonic() < end:
            ok = self.rec.wait_ids(ids, min(1.0, end - time.monotonic()))
            if ok or sup.proc.poll() is not None:
                break  # all started, or the supervisor gave up
        if not ok and sup.proc.poll() is not None:
            try:
                with open(os.path.join(sup.dir, "stderr"), "rb") as f:
                    why = f.read()[-300:].decode(errors="replace")
            except OSError:
                why = ""
            log(f"  {sup.name}: exited with {sup.proc.returncode}: {why}")
            self.results["runs"].setdefault(sup.name, {})[
                f"exit_{n}"] = why.strip()
        with self.rec.cv:
            ts = [self.rec.first[i] for i in ids if i in self.rec.first]
        started = len(ts)
        if not ok:
            log(f"  {sup.name}: only {started} of {len(ids)} started "
                f"within {timeout:.0f} s")
        return ((max(ts) - t0) / 1e9 if ts else None), started, ok

    def down(self, sup):
        try:
            if sup.proc and sup.proc.poll() is None:
                try:
                    sup.stop_all()
                except (ProcessLookupError, OSError):
                    pass
                sup.wait_exit(10)
        finally:
            sweep()
            sup.cleanup()

    # -- measurements --------------------------------------------------
    def kill_and_wait(self, cid):
        cur = self.rec.get(cid)
        if cur is None:
            return None
        pid = cur[0]
        t0 = now_ns()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        new = self.rec.wait_new(cid, pid, self.args.kill_timeout)
        if new is None:
            return None
        return (new[1] - t0) / 1e6

    def ensure_old(self, cid, age_s=1.1):
        cur = self.rec.get(cid)
        if cur is None:
            return
        age = (now_ns() - cur[1]) / 1e9
        if age < age_s:
            time.sleep(age_s - age)

    def restart_latency(self, sup, ids, kills, old):
        """Kill children in turn; ms from kill() to the new main."""
        lat, lost = [], 0
        for k in range(kills):
            cid = ids[k % len(ids)]
            if old:
                self.ensure_old(cid)
            ms = self.kill_and_wait(cid)
            if ms is None:
                lost += 1
                if lost > 5:
                    break
                continue
            lat.append(ms)
            time.sleep(0.01)
        r = percentiles(lat)
        if r is not None:
            r["lost"] = lost
            r["old"] = old
        return r

    def restart_young(self, sup, ids, kills):
        """Kill a child under 1 s old: make sure it is old, kill it
        (not timed), then kill its young replacement at once (timed)."""
        lat = []
        for k in range(kills):
            cid = ids[k % len(ids)]
            self.ensure_old(cid)
            if self.kill_and_wait(cid) is None:
                continue
            ms = self.kill_and_wait(cid)
            if ms is not None:
                lat.append(ms)
        r = percentiles(lat)
        if r is not None:
            r["old"] = False
        return r

    def timed(self, cmd, reps, expect_lines=None):
        times, lines = [], None
        for _ in range(reps):
            t0 = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
            times.append((time.perf_counter() - t0) * 1000)
            lines = r.stdout.count(b"\n")
        out = {"median_ms": statistics.median(times), "max_ms": max(times),
               "min_ms": min(times), "reps": reps, "lines": lines}
        if expect_lines is not None and lines is not None \
                and lines < expect_lines:
            out["short"] = True
        return out

    def status(self, sup, reps):
        cmd = sup.status_cmd()
        if cmd is None:
            return None
        return self.timed(cmd, reps, sup.status_lines_expected())

    def top(self, sup, reps):
        """top's cost per refresh: one reading over tend's socket (tend
        reads every program's cgroup files), and the whole command with
        --interval 100ms (process start, two readings, the table)."""
        if not hasattr(sup, "top_reading"):
            return None
        ts = [sup.top_reading() * 1000 for _ in range(reps)]
        return {"reading": percentiles(ts),
                "cli": self.timed(sup.top_cmd(), reps)}

    def round_trip(self, sup, cid, reps):
        cmd = sup.one_cmd(cid)
        if cmd is None:
            return None
        out = {"cli": self.timed(cmd, reps)}
        if hasattr(sup, "socket_round_trip"):
            ts = [sup.socket_round_trip(cid) * 1000 for _ in range(reps * 5)]
            out["socket"] = percentiles(ts)
        return out

    def stop_time(self, sup, ids):
        """Seconds from the stop command until the last child exited."""
        fds = []
        ep = select.epoll()
        for cid in ids:
            cur = self.rec.get(cid)
            if cur is None:
                continue
            try:
                fd = os.pidfd_open(cur[0])
            except OSError:
                continue
            fds.append(fd)
            ep.register(fd, select.EPOLLIN)
        left = len(fds)
        t0 = time.monotonic()
        sup.stop_all()
        t_last = None
        deadline = t0 + self.args.stop_timeout
        while left > 0 and time.monotonic() < deadline:
            for fd, _ in ep.poll(1.0):
                ep.unregister(fd)
                left -= 1
                t_last = time.monotonic()
        for fd in fds:
            os.close(fd)
        ep.close()
        exited = sup.wait_exit(max(1, deadline - time.monotonic()))
        return {"stop_s": (t_last - t0) if t_last and left == 0 else None,
                "children": len(fds), "left": left,
                "supervisor_exited": exited,
                "supervisor_exit_s": time.monotonic() - t0}

    def self_floor(self, kills):
        r = subprocess.run([self.ctx.floor, "-l", str(kills), self.ctx.child],
                           stdout=subprocess.PIPE, env=self.env_child())
        xs = [int(x) / 1e6 for x in r.stdout.split()]
        reap()
        return percentiles(xs)

    def env_child(self):
        e = dict(os.environ)
        e["BENCH_FIFO"] = self.ctx.fifo
        e["BENCH_WRITE_BYTES"] = str(self.ctx.write_bytes)
        return e

    # -- scenarios -----------------------------------------------------
    def scenario_one(self, sup):
        a = self.args
        s, started, ok = self.up(sup, 1)
        if not ok:
            self.put(sup.name, "n1_failed", True)
            return
        time.sleep(0.5)
        self.put(sup.name, "mem_1", memory(sup.side_pids()))
        if sup.restarts_at_once:
            r = self.restart_latency(sup, ["c0"], a.kills, old=False)
            self.put(sup.name, "restart_1", r)
        else:
            r = self.restart_latency(sup, ["c0"], a.kills_old_1, old=True)
            self.put(sup.name, "restart_1", r)
            r = self.restart_young(sup, ["c0"], a.kills_young)
            self.put(sup.name, "restart_1_young", r)
        self.put(sup.name, "round_trip_1",
                 self.round_trip(sup, "c0", a.reps))

    def scenario_big(self, sup, n, key):
        """Mass start, memory, (idle, status, restart at the first size),
        stop."""
        a = self.args
        if sup.max_children and n > sup.max_children:
            self.put(sup.name, f"{key}_na", sup.limit_note)
            if not a.try_limits:
                return
        s, started, ok = self.up(sup, n)
        self.put(sup.name, f"start_{key}",
                 {"s": s if ok else None, "started": started, "n": n,
                  "rate": (n / s) if ok and s else None})
        if started == 0:
            return
        if sup.stop_only:
            if ok:
                ids = [f"c{i}" for i in range(n)]
                self.put(sup.name, f"stop_{key}", self.stop_time(sup, ids))
            return
        time.sleep(1.0)
        self.put(sup.name, f"mem_{key}", memory(sup.side_pids()))
        if key == "big":
            pids = sup.side_pids()
            c0 = ctxt(pids)
            time.sleep(a.idle)
            c1 = ctxt(pids)
            self.put(sup.name, "idle",
                     {"seconds": a.idle, "voluntary": c1[0] - c0[0],
                      "involuntary": c1[1] - c0[1], "procs": len(pids)})
        if ok:
            self.put(sup.name, f"status_{key}", self.status(sup, a.reps))
            self.put(sup.name, f"top_{key}", self.top(sup, a.reps))
            self.put(sup.name, f"round_trip_{key}",
                     self.round_trip(sup, "c0", a.reps))
        if key == "big" and ok:
            ids = [f"c{i}" for i in range(n)]
            old = not sup.restarts_at_once
            # distinct children in turn: with n >= kills every kill hits
            # a child older than 1.1 s, so the peers restart at once
            self.put(sup.name, "restart_big",
                     self.restart_latency(sup, ids, a.kills, old=old))
            if old:
                self.put(sup.name, "restart_big_young",
                         self.restart_young(sup, ids[::-1], a.kills_young))
        if ok:
            ids = [f"c{i}" for i in range(n)]
            self.put(sup.name, f"stop_{key}", self.stop_time(sup, ids))

    def scenario_isolation(self, sup):
        a = self.args
        n = a.n_big
        if sup.max_children and n + 2 > sup.max_children:
            n = sup.max_children - 2  # room for crash0 and flood0
            self.put(sup.name, "isolation_n", n)
        s, started, ok = self.up(sup, n, extra=["crash0", "flood0"])
        if not ok:
            self.put(sup.name, "isolation_failed", started)
            return
        time.sleep(3.0)
        ids = [f"c{i}" for i in range(n)]
        old = not sup.restarts_at_once
        r = self.restart_latency(sup, ids, a.kills, old=old)
        st = self.status(sup, a.reps)
        rt = self.round_trip(sup, "c0", a.reps)
        crash = self.crash_count(sup)
        self.put(sup.name, "isolation", {"restart": r, "status": st,
                                         "round_trip": rt,
                                         "crash_restarts": crash})

    def crash_count(self, sup):
        """Restarts of the crash loop so far, where the peer says so."""
        if sup.name.startswith("tend"):
            r = subprocess.run([self.ctx.tendctl, "-s", sup.sock, "--json",
                                "status", "crash0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
            try:
                d = json.loads(r.stdout)
                return d
            except ValueError:
                return r.stdout.decode()[:300]
        return None

    def scenario_log(self, sup):
        total = self.args.log_bytes
        s, started, ok = self.up(sup, 0, extra=["write0"])
        if not ok:
            self.put(sup.name, "log", None)
            return
        t_start = self.rec.get("write0")[1]
        # whole lines: a logger may keep the last partial line (svlogd
        # does, the writer never closes its stdout)
        t_done = self.wait_bytes(sup.logs, total - total % 100)
        writer = self.rec.get("write0-done")
        self.put(sup.name, "log", {
            "bytes": total,
            "mb_s": total / 1e6 / ((t_done - t_start) / 1e9)
            if t_done else None,
            "writer_done_s": (writer[1] - t_start) / 1e9 if writer else None,
            "complete": t_done is not None})

    def wait_bytes(self, d, total, timeout=None):
        end = time.monotonic() + (timeout or self.args.log_timeout)
        while time.monotonic() < end:
            size = 0
            for root, _, files in os.walk(d):
                for f in files:
                    if f in ("config", "lock", "state"):
                        continue
                    try:
                        size += os.stat(os.path.join(root, f)).st_size
                    except OSError:
                        pass
            if size >= total:
                return now_ns()
            time.sleep(0.005)
        return None

    def log_floor(self):
        """The writer straight into a file, and through a pipe and cat."""
        out = {}
        d = os.path.join(self.ctx.work, "logfloor")
        for kind in ("file", "pipe", "file", "pipe"):
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, "w.log")
            self.rec.reset()
            if kind == "file":
                cmd = [self.ctx.child, "write0"]
                f = open(path, "wb")
                p = subprocess.Popen(cmd, stdout=f, env=self.env_child(),
                                     start_new_session=True)
                f.close()
            else:
                p = subprocess.Popen(
                    ["/bin/sh", "-c",
                     f'"{self.ctx.child}" write0 | cat > "{path}"'],
                    env=self.env_child(), start_new_session=True)
            self.rec.wait_ids(["write0"], 30)
            t_start = self.rec.get("write0")[1]
            t_done = self.wait_bytes(d, self.ctx.write_bytes)
            mbs = (self.ctx.write_bytes / 1e6 /
                   ((t_done - t_start) / 1e9)) if t_done else None
            if mbs is not None:  # the better of two tries
                out[kind] = max(out.get(kind) or 0, mbs)
            del p
            sweep()
            subprocess.run(["rm", "-rf", d])
        return out

    def scenario_pid1(self):
        a = self.args
        inits = {
            "tend": None,
            "tini": ["tini", "--"],
            "dumb-init": ["dumb-init"],
            "reaper": [self.ctx.reaper],
        }
        for name, pre in inits.items():
            if self.only and name not in self.only and \
                    not (name == "reaper" and "floor" in self.only):
                continue
            log(f"pid1: {name}")
            d = os.path.join(self.ctx.work, "pid1-" + name)
            subprocess.run(["rm", "-rf", d])
            os.makedirs(d)
            res = os.path.join(d, "result.json")
            idle = a.idle
            maker = [self.ctx.orphans, str(a.orphans), str(idle + 2), res]
            cg = None
            if pre is None:
                conf = os.path.join(d, "tend.conf")
                with open(conf, "w") as f:
                    f.write(f"[tend]\nsocket = {d}/tend.sock\n\n"
                            f"[program:orphans]\ncommand = "
                            f"{' '.join(maker)}\nrestart = temporary\n")
                t = adapters.Tend(self.ctx)
                cg = t.make_cgroup()
                inner = [self.ctx.tend, "-c", conf]
            else:
                inner = pre + maker
            cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + inner
            if cg:
                cmd = ["/bin/sh", "-c",
                       f'echo $$ > "{cg}/cgroup.procs" && exec "$@"',
                       "sh"] + cmd
            out = open(os.path.join(d, "out"), "wb")
            p = subprocess.Popen(cmd, stdout=out, stderr=out,
                                 stdin=subprocess.DEVNULL,
                                 start_new_session=True)
            out.close()
            end = time.monotonic() + 300
            while not os.path.exists(res) and time.monotonic() < end \
                    and p.poll() is None:
                time.sleep(0.05)
            time.sleep(0.05)
            r = {}
            try:
                with open(res) as f:
                    r = json.load(f)
            except (OSError, ValueError):
                r = {"failed": True}
            kids = adapters.children_of(p.pid)
            init = kids[0] if kids else None
            if init:
                c0 = ctxt([init])
                time.sleep(idle)
                c1 = ctxt([init])
                r["idle_voluntary"] = c1[0] - c0[0]
                r["idle_seconds"] = idle
                r["init_mem"] = memory([init])
            if name == "tend" and init:
                try:
                    os.kill(init, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                pass
            sweep()
            if cg:
                adapters.rmtree_cgroup(cg)
            self.put("pid1", name, r)

    # -- the whole run -------------------------------------------------
    def run(self):
        a = self.args
        steps = a.steps.split(",")
        if "exec_floor" not in self.results:
            self.results["exec_floor"] = self.timed(["/bin/true"],
                                                    50)["median_ms"]
        for sup in self.sups():
            for step in steps:
                if sup.only_steps and step not in sup.only_steps:
                    continue
                try:
                    if step == "one":
                        log(f"{sup.name}: 1 child")
                        self.scenario_one(sup)
                    elif step == "big":
                        log(f"{sup.name}: {a.n_big} children")
                        self.scenario_big(sup, a.n_big, "big")
                    elif step == "huge":
                        log(f"{sup.name}: {a.n_huge} children")
                        self.scenario_big(sup, a.n_huge, "huge")
                    elif step == "isolation":
                        if sup.name == "floor":
                            continue
                        log(f"{sup.name}: isolation, {a.n_big} children "
                            f"+ crash loop + flood")
                        self.scenario_isolation(sup)
                    elif step == "log":
                        if sup.name == "floor":
                            log("floor: log capture")
                            self.put("floor", "log_floor", self.log_floor())
                            continue
                        if sup.name in ("tend-nocg", "s6-notify"):
                            continue
                        log(f"{sup.name}: log capture")
                        self.scenario_log(sup)
                except Exception as e:  # one failure must not end the run
                    traceback.print_exc()
                    self.put(sup.name, f"error_{step}", repr(e))
                finally:
                    self.down(sup)
        if "floor" in [s.name for s in self.sups()] and "one" in steps \
                and "self_loop" not in self.results["runs"].get("floor", {}):
            self.put("floor", "self_loop", self.self_floor(a.kills))
        if "pid1" in steps:
            self.scenario_pid1()


def machine(args):
    def out(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  text=True).stdout.strip()
        except OSError:
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    vers = {}
    for pkg in ("supervisor", "runit", "s6", "tini", "dumb-init", "libev4",
                "libc6", "gcc"):
        vers[pkg] = out(["dpkg-query", "-W", "-f", "${Version}", pkg])
    vers["tend"] = out([args.tend, "--version"])
    vers["tend_rev"] = args.rev
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = f.read().strip()
    return {
        "nproc": os.cpu_count(), "kernel": platform.release(), "cpu": cpu,
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "versions": vers, "pid_max": pid_max,
        "mem_total": out(["sh", "-c", "grep MemTotal /proc/meminfo"]),
        "debian": out(["cat", "/etc/debian_version"]),
        "load_before": loadavg(),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--bin", required=True)
    p.add_argument("--tend", required=True)
    p.add_argument("--tendctl", required=True)
    p.add_argument("--rev", default="?")
    p.add_argument("--work", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--readme")
    p.add_argument("--command", default="bench/run.sh")
    p.add_argument("--only", help="comma-separated adapters")
    p.add_argument("--steps", default="one,big,huge,isolation,log,pid1")
    p.add_argument("--merge", action="store_true",
                   help="add to the results already in --json")
    p.add_argument("--try-limits", action="store_true",
                   help="also run a peer past its documented limit")
    a = p.parse_args()
    full = not a.quick
    a.n_big = 1000 if full else 100
    a.n_huge = 10000 if full else 1000
    a.kills = 200 if full else 50
    a.kills_old_1 = 200 if full else 10
    a.kills_young = 20 if full else 5
    a.reps = 20 if full else 5
    a.idle = 30 if full else 5
    a.orphans = 10000 if full else 1000
    a.log_bytes = (1 << 30) if full else (200 << 20)
    a.start_timeout = 300 if full else 180
    a.stop_timeout = 300 if full else 120
    a.kill_timeout = 30
    a.log_timeout = 300
    a.mode = "full" if full else "quick"

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("bench: cannot become a child subreaper")
    import resource
    hard = 1 << 20
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)

    t_begin = time.monotonic()
    b = Bench(a)
    if a.merge:
        with open(a.json) as f:
            old = json.load(f)
        for sup, figures in old["runs"].items():
            for k, val in figures.items():
                b.results["runs"].setdefault(sup, {}).setdefault(k, val)
        b.results["merged_from"] = old
    b.results["machine"] = machine(a)
    b.results["machine"]["nofile"] = list(nofile)
    b.results["params"] = {k: getattr(a, k) for k in (
        "mode", "n_big", "n_huge", "kills", "kills_old_1", "kills_young",
        "reps", "idle", "orphans", "log_bytes", "command")}
    try:
        b.run()
    finally:
        sweep()
        b.results["duration_s"] = time.monotonic() - t_begin
        if a.merge:
            old = b.results.pop("merged_from")
            b.results["supplements"] = old.get("supplements", []) + [{
                "command": a.command, "only": a.only, "steps": a.steps,
                "date": b.results["machine"]["date"],
                "duration_s": b.results["duration_s"]}]
            for k in ("machine", "params", "exec_floor", "duration_s"):
                b.results[k] = old.get(k, b.results.get(k))
        b.results["machine"]["load_after"] = loadavg()
        b.save()
    if a.readme:
        report.rewrite(a.readme, b.results)
    log(f"done in {b.results['duration_s']:.0f} s; results in {a.json}")


if __name__ == "__main__":
    main()
