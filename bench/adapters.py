"""adapters.py: one small adapter per supervisor, so that each measurement
in bench.py is written once.

An adapter writes its supervisor's configuration for a set of children,
starts it in the foreground (its own session, output into the work
directory), names its supervisor-side processes, says how to ask for the
status of everything and of one child, and how to stop everything.

Every child is bench/child (static), exec'd directly, no shell; it learns
its name from argv[1] or, under runsv and s6-supervise, which exec ./run
without arguments, from its service directory. Names: c0 .. cN-1 (the
measured children), crash0 (exits at once), flood0 (/usr/bin/yes),
write0 (writes $BENCH_WRITE_BYTES to stdout).
"""
import os
import shutil
import signal
import socket
import subprocess
import time

YES = shutil.which("yes") or "/usr/bin/yes"


def children_of(pid):
    """Direct children of pid, from /proc/PID/task/*/children."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    return None


def own_cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


class Adapter:
    name = "?"
    label = "?"
    max_children = None  # None: no known limit
    limit_note = ""
    restart_delay_note = ""
    restarts_at_once = False  # whatever the child's age
    stop_only = False  # measured in mass start and stop only
    only_steps = None  # the steps it takes part in; None: all

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = os.path.join(ctx.work, self.name)
        self.proc = None
        self.n = 0
        self.extra = []

    # -- configuration -------------------------------------------------
    def configure(self, n, extra=()):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.makedirs(self.logs, exist_ok=True)
        self.n = n
        self.extra = list(extra)
        self.write_config()

    @property
    def logs(self):
        return os.path.join(self.dir, "logs")

    def ids(self):
        return [f"c{i}" for i in range(self.n)] + self.extra

    def write_config(self):
        raise NotImplementedError

    # -- running -------------------------------------------------------
    def argv(self):
        raise NotImplementedError

    def env(self):
        e = dict(os.environ)
        e["BENCH_FIFO"] = self.ctx.fifo
        e["BENCH_WRITE_BYTES"] = str(self.ctx.write_bytes)
        return e

    def start(self):
        out = open(os.path.join(self.dir, "stdout"), "wb")
        err = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err, env=self.env(),
                                     cwd=self.dir, start_new_session=True)
        out.close()
        err.close()
        return self.proc

    def side_pids(self):
        """The supervisor-side processes (not the children, not loggers)."""
        return [self.proc.pid] if self.proc else []

    def status_cmd(self):
        return None

    def one_cmd(self, cid):
        return None

    def status_lines_expected(self):
        return len(self.ids())

    def stop_all(self):
        os.kill(self.proc.pid, signal.SIGTERM)

    def wait_exit(self, timeout):
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def cleanup(self):
        """Called after the bench swept every descendant away."""
        self.proc = None


class Tend(Adapter):
    name = "tend"
    label = "tend"
    restarts_at_once = True
    stdout = None  # the default (log)
    cgroups = "auto"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.sock = os.path.join(self.dir, "tend.sock")
        self.cg = None

    def write_config(self):
        lines = ["[tend]", f"socket = {self.sock}",
                 f"cgroups = {self.cgroups}"]
        if any(x.startswith(("flood", "write")) for x in self.extra):
            big = any(x.startswith("write") for x in self.extra)
            lines += [f"log_dir = {self.logs}",
                      f"log_max_size = {'2G' if big else '50M'}",
                      "log_keep = 1"]
        lines += ["", "[supervisor:root]", "intensity = infinity",
                  "period = 1s", ""]
        for cid in self.ids():
            cmd = YES if cid.startswith("flood") else \
                f"{self.ctx.child} {cid}"
            lines += [f"[program:{cid}]", f"command = {cmd}"]
            if self.stdout and cid.startswith("c"):
                lines.append(f"stdout = {self.stdout}")
            lines.append("")
        with open(os.path.join(self.dir, "tend.conf"), "w") as f:
            f.write("\n".join(lines))

    def make_cgroup(self):
        """A cgroup of the bench's own for tend, as under systemd with
        Delegate=yes: no other tend on the machine shares it."""
        mnt, own = cgroup2_mount(), own_cgroup()
        if mnt is None or own is None:
            return None
        path = os.path.join(mnt + own.rstrip("/"),
                            f"tendbench-{os.getpid()}-{self.name}")
        try:
            os.makedirs(path, exist_ok=True)
            return path
        except OSError:
            return None

    def argv(self):
        tend = [self.ctx.tend, "-c", os.path.join(self.dir, "tend.conf")]
        if self.cgroups == "no":
            return tend
        self.cg = self.make_cgroup()
        if self.cg is None:
            return tend
        return ["/bin/sh", "-c",
                f'echo $$ > "{self.cg}/cgroup.procs" && exec "$@"', "sh"] \
            + tend

    def status_cmd(self):
        return [self.ctx.tendctl, "-s", self.sock, "status"]

    def one_cmd(self, cid):
        return [self.ctx.tendctl, "-s", self.sock, "pid", cid]

    def status_lines_expected(self):
        return len(self.ids()) + 1  # a header line

    def top_cmd(self):
        """One refresh of top as an operator runs it (not on a tty: two
        readings an interval apart, then one snapshot)."""
        return [self.ctx.tendctl, "-s", self.sock, "top", "--interval",
                "100ms"]

    def top_reading(self):
        """One reading of top over the socket (what each refresh asks of
        tend: every program's CPU, memory and processes): seconds."""
        return self.socket_round_trip(None, "top")

    def socket_round_trip(self, cid, verb="pid"):
        """One request over the socket, no tendctl: seconds."""
        t0 = time.perf_counter()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        s.sendall((f"TEND/1 {verb} {cid}\n" if cid else
                   f"TEND/1 {verb}\n").encode())
        buf = b""
        while not buf.endswith(b"\n.\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        s.close()
        dt = time.perf_counter() - t0
        if b"OK" not in buf.split(b"\n", 1)[0]:
            raise RuntimeError(f"tend answered {buf[:200]!r}")
        return dt

    def cleanup(self):
        super().cleanup()
        if self.cg:
            rmtree_cgroup(self.cg)
            self.cg = None


def rmtree_cgroup(path):
    for root, dirs, _ in os.walk(path, topdown=False):
        for d in dirs:
            try:
                os.rmdir(os.path.join(root, d))
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


class TendNoCgroups(Tend):
    name = "tend-nocg"
    label = "tend (cgroups = no)"
    cgroups = "no"


class TendNull(Tend):
    """tend with stdout = null: no capture pipe, one fd fewer per program
    (two with cgroups = no)."""
    name = "tend-null"
    label = "tend, stdout = null"
    stdout = "null"
    only_steps = ("huge",)


class TendNoCgroupsNull(TendNoCgroups):
    name = "tend-nocg-null"
    label = "tend, cgroups = no, stdout = null"
    stdout = "null"
    only_steps = ("huge",)


class Floor(Adapter):
    name = "floor"
    label = "floor"
    restarts_at_once = True

    def write_config(self):
        pass

    def argv(self):
        return [self.ctx.floor, "-n", str(max(self.n, 1)), self.ctx.child]


class FloorOneByOne(Floor):
    """The floor stopping its children one after another (-S)."""
    name = "floor-seq"
    label = "floor, stopping one by one"
    stop_only = True
    only_steps = ("big", "huge")

    def argv(self):
        return [self.ctx.floor, "-S", "-n", str(max(self.n, 1)),
                self.ctx.child]


class Supervisord(Adapter):
    name = "supervisord"
    label = "supervisord"
    restart_delay_note = ("startsecs=1 (default): a child that dies "
                          "younger goes to BACKOFF and waits 1 s, 2 s, ...")

    def write_config(self):
        sock = os.path.join(self.dir, "supervisor.sock")
        n = len(self.ids())
        lines = [
            "[unix_http_server]", f"file = {sock}", "",
            "[supervisord]", "nodaemon = true",
            f"logfile = {self.dir}/supervisord.log",
            f"pidfile = {self.dir}/supervisord.pid",
            f"childlogdir = {self.dir}/childlog",
            f"minfds = {max(1024, 4 * n + 256)}",
            f"minprocs = {max(200, n + 256)}", "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = "
            "supervisor.rpcinterface:make_main_rpcinterface", "",
            "[supervisorctl]", f"serverurl = unix://{sock}", "",
        ]
        os.makedirs(os.path.join(self.dir, "childlog"), exist_ok=True)
        for cid in self.ids():
            cmd = YES if cid.startswith("flood") else \
                f"{self.ctx.child} {cid}"
            lines += [f"[program:{cid}]", f"command = {cmd}",
                      "autorestart = true",
                      # the default 3 turns young kills into FATAL
                      "startretries = 1000000"]
            if cid.startswith("crash"):
                lines.append("startsecs = 0")  # as fast as it allows
            if cid.startswith("flood"):
                lines += [f"stdout_logfile = {self.logs}/{cid}.log",
                          "stdout_logfile_maxbytes = 50MB",
                          "stdout_logfile_backups = 1"]
            if cid.startswith("write"):
                lines += [f"stdout_logfile = {self.logs}/{cid}.log",
                          "stdout_logfile_maxbytes = 0"]
            lines.append("")
        self.conf = os.path.join(self.dir, "supervisord.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))

    def argv(self):
        return ["supervisord", "-n", "-c", self.conf]

    def status_cmd(self):
        return ["supervisorctl", "-c", self.conf, "status"]

    def one_cmd(self, cid):
        return ["supervisorctl", "-c", self.conf, "pid", cid]


class Runit(Adapter):
    name = "runit"
    label = "runit"
    max_children = 1000
    limit_note = "runsvdir watches at most 1,000 service directories"
    restart_delay_note = ("runsv waits 1 s before restarting a child "
                          "that ran less than 1 s")

    def service_dir(self, cid):
        return os.path.join(self.dir, "sv", cid)

    def write_config(self):
        for cid in self.ids():
            d = self.service_dir(cid)
            os.makedirs(d)
            os.symlink(YES if cid.startswith("flood") else self.ctx.child,
                       os.path.join(d, "run"))
            if cid.startswith(("flood", "write")):
                ld = os.path.join(self.logs, cid)
                os.makedirs(ld, exist_ok=True)
                with open(os.path.join(ld, "config"), "w") as f:
                    f.write("s50000000\nn2\n" if cid.startswith("flood")
                            else "s0\n")
                os.makedirs(os.path.join(d, "log"))
                write_script(os.path.join(d, "log", "run"),
                             f"exec svlogd {ld}")

    def argv(self):
        return ["runsvdir", os.path.join(self.dir, "sv")]

    def side_pids(self):
        if not self.proc:
            return []
        return [self.proc.pid] + [p for p in children_of(self.proc.pid)
                                  if comm(p) == "runsv"]

    def status_cmd(self):
        return ["sv", "status"] + [self.service_dir(c) for c in self.ids()]

    def one_cmd(self, cid):
        return ["sv", "status", self.service_dir(cid)]

    def stop_all(self):
        # runsvdir sends TERM to every runsv, which stops its service
        # (TERM, CONT) and exits once it is down
        os.kill(self.proc.pid, signal.SIGHUP)


class S6(Adapter):
    name = "s6"
    label = "s6"
    notify = False
    restart_delay_note = ("s6-supervise 2.11 waits 1 s before every "
                          "restart of a child that signalled no readiness, "
                          "however long it ran")

    def service_dir(self, cid):
        return os.path.join(self.dir, "scan", cid)

    def write_config(self):
        os.makedirs(os.path.join(self.dir, "scan"))
        for cid in self.ids():
            d = self.service_dir(cid)
            os.makedirs(d)
            os.symlink(YES if cid.startswith("flood") else self.ctx.child,
                       os.path.join(d, "run"))
            if self.notify and cid.startswith("c"):
                with open(os.path.join(d, "notification-fd"), "w") as f:
                    f.write("3\n")
            if cid.startswith(("flood", "write")):
                ld = os.path.join(self.logs, cid)
                os.makedirs(ld, exist_ok=True)
                rot = "n2 s50000000" if cid.startswith("flood") else \
                    "n100 s100000000"
                os.makedirs(os.path.join(d, "log"))
                write_script(os.path.join(d, "log", "run"),
                             f"exec s6-log {rot} {ld}")

    def argv(self):
        n = len(self.ids())
        return ["s6-svscan", "-c", str(max(2 * n + 16, 1000)),
                os.path.join(self.dir, "scan")]

    def side_pids(self):
        if not self.proc:
            return []
        return [self.proc.pid] + [p for p in children_of(self.proc.pid)
                                  if comm(p) == "s6-supervise"]

    def status_cmd(self):
        scan = os.path.join(self.dir, "scan")
        return ["/bin/sh", "-c",
                f'for d in "{scan}"/*; do s6-svstat "$d"; done']

    def one_cmd(self, cid):
        return ["s6-svstat", self.service_dir(cid)]

    def stop_all(self):
        # s6-svscan brings every service down, then exits
        subprocess.run(["s6-svscanctl", "-t", os.path.join(self.dir, "scan")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class S6Notify(S6):
    """s6 with readiness: the child writes a newline to fd 3, named by
    notification-fd; s6-supervise then restarts it without the 1 s wait."""
    name = "s6-notify"
    label = "s6 (notification-fd)"
    notify = True
    restart_delay_note = ("with notification-fd, a child that signalled "
                          "readiness and lived over 1 s is restarted at "
                          "once; one killed young still waits 1 s")


def write_script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)


ALL = [Tend, TendNoCgroups, TendNull, TendNoCgroupsNull, Floor, FloorOneByOne, Supervisord, Runit, S6,
       S6Notify]
