"""Drives Python RQ for the rqlite bench, one measurement per run.

Usage: rq_bench.py MODE URL QUEUE [N]

  version          print {"version": RQ's version}
  enqueue N        enqueue N no-op jobs one call at a time: {"jobs", "seconds"}
  fill N           enqueue N no-op jobs with enqueue_many, 1,000 per pipeline
  simple | fork    drain the queue with a burst SimpleWorker or a forking
                   Worker: print "ready" once the worker is made, wait for a
                   line on standard input, then work and print {"start",
                   "end"}, wall-clock epoch seconds, so that several processes
                   start together and can be compared
  idle             run a SimpleWorker that waits for jobs until SIGTERM

It never flushes anything: the Go bench prepares the database. The result is
one line of JSON on standard output.
"""
import json
import sys
import time

import rq
from redis import Redis
from rq import Queue, SimpleWorker, Worker

from noop_tasks import noop


def main():
    mode, url, name = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    r = Redis.from_url(url)
    q = Queue(name, connection=r)
    out = {}
    if mode == "version":
        out = {"version": rq.__version__}
    elif mode == "enqueue":
        t0 = time.perf_counter()
        for i in range(n):
            q.enqueue(noop, i)
        out = {"jobs": n, "seconds": time.perf_counter() - t0}
    elif mode == "fill":
        for start in range(0, n, 1000):
            calls = [Queue.prepare_data(noop, (i,)) for i in range(start, min(n, start + 1000))]
            with r.pipeline() as p:
                q.enqueue_many(calls, pipeline=p)
                p.execute()
        out = {"jobs": n}
    elif mode in ("simple", "fork"):
        cls = SimpleWorker if mode == "simple" else Worker
        w = cls([q], connection=r)
        print("ready", flush=True)
        sys.stdin.readline()
        t0 = time.time()
        w.work(burst=True, logging_level="WARNING")
        out = {"start": t0, "end": time.time()}
    elif mode == "idle":
        SimpleWorker([q], connection=r).work(logging_level="WARNING")
    else:
        sys.exit("unknown mode " + mode)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
