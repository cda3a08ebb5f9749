"""tendload.py: tend alone with N programs, for profiling (see
bench/README.md, "Where the time goes").

    python3 bench/profile/tendload.py N auto|no [WRAPPER...]

starts tend (below a cgroup of its own when cgroups is auto) with N
programs c0 .. cN-1 (bench/child), optionally under WRAPPER (strace -c -o
FILE, perf record ...), waits until all have started, holds $HOLD seconds
(attach perf or strace, or run killer.py meanwhile), sends TERM and times
the stop. FLOOD=1 adds flood0 (yes, into log_dir, rotated at 50M) and
crash0 (exits at once). STDOUT=MODE gives every cN that stdout (e.g. null). INTENSITY=N sets the
root's intensity
(default infinity; INTENSITY=default leaves tend's). Needs bench/.work
from a bench/run.sh.
"""
import ctypes, subprocess, time, os, signal, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
n = int(sys.argv[1]); cg = sys.argv[2]; wrap = sys.argv[3:]  # e.g. strace -c -o FILE
d = f"{BENCH}/.work/profile/run-{cg}-{n}"
os.makedirs(d, exist_ok=True)
CHILD = f"{BENCH}/.work/bin/child"
TEND = f"{BENCH}/.work/build/supervisord/tend"
with open(f"{d}/tend.conf", "w") as f:
    f.write(f"[tend]\nsocket = {d}/s.sock\ncgroups = {cg}\n")
    if os.environ.get("FLOOD"):
        f.write(f"log_dir = {d}/logs\nlog_max_size = 50M\nlog_keep = 1\n")
    if os.environ.get("INTENSITY", "infinity") != "default":
        f.write("[supervisor:root]\nintensity = %s\n"
                % os.environ.get("INTENSITY", "infinity"))
    if os.environ.get("FLOOD"):
        f.write(f"[program:flood0]\ncommand = /usr/bin/yes\n[program:crash0]\ncommand = {CHILD} crash0\n")
        os.makedirs(f"{d}/logs", exist_ok=True)
    for i in range(n):
        f.write(f"[program:c{i}]\ncommand = {CHILD} c{i}\n")
        if os.environ.get("STDOUT"):
            f.write(f"stdout = {os.environ['STDOUT']}\n")
mnt = [l.split()[4] for l in open("/proc/self/mountinfo")
       if l.partition(" - ")[2].split()[0] == "cgroup2"][0]
cgdir = f"{mnt}/tendprof-{os.getpid()}"
if cg != "no":
    os.makedirs(cgdir, exist_ok=True)
    cmd = ["/bin/sh", "-c", f'echo $$ > {cgdir}/cgroup.procs && exec "$@"', "sh"] + wrap + [TEND, "-c", f"{d}/tend.conf"]
else:
    cmd = wrap + [TEND, "-c", f"{d}/tend.conf"]
env = dict(os.environ); env.pop("BENCH_FIFO", None)
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(f"{d}/err", "w"), start_new_session=True, env=env)
while True:
    time.sleep(0.05)
    c = sum(1 for l in open(f"{d}/err") if "started, pid" in l and ": c" in l and "crash" not in l)
    if c >= n or time.monotonic() - t0 > 60 or p.poll() is not None:
        break
print(f"started {c} in {time.monotonic()-t0:.3f} s", flush=True)
if p.poll() is not None:
    print(f"tend exited with {p.returncode}; its messages: {d}/err")
if os.environ.get("HOLD"): time.sleep(float(os.environ["HOLD"]))
# find tend pid (child of strace or itself)
def desc(pid):
    out = []
    try:
        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        return out
    for c in kids:
        out += [int(c)] + desc(int(c))
    return out
def comm(x):
    try:
        return open(f"/proc/{x}/comm").read().strip()
    except OSError:
        return ""
if p.poll() is None:
    tend = [x for x in [p.pid] + desc(p.pid) if comm(x) == "tend"][0]
    t1 = time.monotonic()
    os.kill(tend, signal.SIGTERM)
    p.wait(60)
    print(f"stopped in {time.monotonic()-t1:.3f} s")
for x in desc(os.getpid()):
    try: os.kill(x, 9)
    except OSError: pass
time.sleep(0.2)
while True:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0: break
    except ChildProcessError: break
if cg != "no":
    for root, dirs, _ in os.walk(cgdir, topdown=False):
        for dd in dirs:
            try: os.rmdir(os.path.join(root, dd))
            except OSError: pass
    try: os.rmdir(cgdir)
    except OSError as e: print("rmdir", e)
