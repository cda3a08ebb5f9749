"""killer.py TEND_PID N: SIGKILL N random children of tend, 10 ms apart."""
import os, sys, time, signal, random
tend = int(sys.argv[1]); n = int(sys.argv[2])
for i in range(n):
    kids = open(f"/proc/{tend}/task/{tend}/children").read().split()
    os.kill(int(random.choice(kids)), signal.SIGKILL)
    time.sleep(0.01)
