"""The Python half of the interop snapshot test (interop_snapshot_test.go).

    snapshot.py enqueue json|pickle URL...   enqueue the same jobs, with the
                                             same IDs, into each database
    snapshot.py read json|pickle URL...      print, as one JSON list, what
                                             Python RQ reads in each database

It runs with RQ 1.13 or RQ 2.x, whichever `import rq` finds, with
PYTHONPATH also naming python/ (the module tareas) and this folder (the
module snapshot_tasks).

The snapshot is normalised so that two runs of the same jobs can be
compared: times are kept only as present or absent, TTLs and registry scores
are rounded up to 20 s, dict keys are sorted, execution IDs are replaced,
and an exception text (exc_info, a result's exc_string) is reduced to the
message of its last line, without the exception's type (a Python traceback
and a Go error cannot share more).
"""
import json
import math
import re
import sys
import time

from redis import Redis
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Dependency, Job
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.serializers import DefaultSerializer, JSONSerializer

import snapshot_tasks

SERIALIZERS = {"json": JSONSerializer, "pickle": DefaultSerializer}
WORKER_KEY = "rq:worker:snap"  # the tests name both workers snap

ECHOED = {
    "int_2_53": 2**53 + 1,
    "int_max": 2**63 - 1,
    "int_min": -(2**63),
    "int_2_64": 2**64 + 1,
    "float_whole": 3.0,
    "float_negzero": -0.0,
    "float_tenth": 0.1,
    "float_big": 1e300,
    "float_inf": float("inf"),
    "float_minus_inf": float("-inf"),
    "float_nan": float("nan"),
    "text": "ñandú — 日本語 🎉",
    "list": [1, "dos", 3.0, None, True, [False, -0.0]],
    "dict": {"b": 1, "a": [1, 2.5], "ñ": {"x": None}},
    "none": None,
    "true": True,
}

CALLBACKS = {"on_success": snapshot_tasks.on_success, "on_failure": snapshot_tasks.on_failure}


def jobs(serializer):
    """The jobs, in enqueue order: (id, function, args, kwargs, options)."""
    echoed = dict(ECHOED)
    if serializer is DefaultSerializer:
        echoed["bytes"] = b"\x00\xffbytes"  # JSON has no bytes
    js = [("echo_" + k, "snapshot_tasks.echo", (v,), {}, {}) for k, v in echoed.items()]
    js += [
        ("kwargs", "tareas.sumar", (), {"a": 2, "b": 40}, {}),
        ("fail", "tareas.fallar", ("mal",), {}, {}),
        ("meta", "snapshot_tasks.save_meta", ("progress", 42), {},
         {"meta": {"author": "py", "big": 2**53 + 1, "whole": 3.0}}),
        ("ttl_zero", "snapshot_tasks.echo", ("gone",), {}, {"result_ttl": 0}),
        ("ttl_forever", "snapshot_tasks.echo", ("kept",), {}, {"result_ttl": -1}),
        ("ttl_100", "snapshot_tasks.echo", ("kept 100 s",), {}, {"result_ttl": 100}),
        ("failure_ttl", "tareas.fallar", ("caduca",), {}, {"failure_ttl": 300}),
        ("dep_a", "tareas.sumar", (1, 2), {}, {}),
        ("dep_b", "tareas.sumar", (3, 4), {}, {"depends_on": "dep_a"}),
        ("dep_c", "tareas.fallar", ("c",), {}, {}),
        ("dep_d", "tareas.sumar", (5, 6), {}, {"depends_on": "dep_c"}),
        ("dep_e", "tareas.sumar", (7, 8), {},
         {"depends_on": Dependency(jobs=["dep_c"], allow_failure=True)}),
        ("retry", "tareas.fallar", ("otra vez",), {}, {"retry": Retry(max=1)}),
        ("cb_ok", "snapshot_tasks.echo", ({"ok": True},), {}, dict(CALLBACKS)),
        ("cb_fail", "tareas.fallar", ("cb",), {}, dict(CALLBACKS)),
        ("cb_retry", "tareas.fallar", ("cb otra vez",), {}, dict(CALLBACKS, retry=Retry(max=1))),
        ("timeout", "snapshot_tasks.sleep", (10,), {}, {"timeout": 1}),
    ]
    return js


def enqueue(serializer, urls):
    for url in urls:
        q = Queue("default", connection=Redis.from_url(url), serializer=serializer)
        for job_id, func, args, kwargs, opts in jobs(serializer):
            q.enqueue_call(func, args=args, kwargs=kwargs, job_id=job_id, **opts)


def canon(v):
    """repr(v), with dict keys sorted: 3 and 3.0, -0.0 and 0.0, a list and
    a tuple all stay apart."""
    if isinstance(v, dict):
        return "{" + ", ".join(sorted(canon(k) + ": " + canon(x) for k, x in v.items())) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(canon(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(canon(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def exc(text):
    """The message of an exception text's last line, without its type."""
    if text is None:
        return None
    lines = text.strip().splitlines()
    if not lines:
        return ""
    m = re.match(r"[A-Za-z_][\w.]*: (.*)$", lines[-1])
    return m.group(1) if m else lines[-1]


def seconds(t):
    """A TTL or a time ahead, rounded up to 20 s; -1 and -2 stay."""
    if t is None or t < 0:
        return t
    return int(math.ceil(t / 20.0)) * 20


def ttl(r, key):
    return seconds(r.ttl(key))


def value(v):
    return getattr(v, "value", v)  # RQ 2's enums


REGISTRIES = {
    "started": StartedJobRegistry,
    "finished": FinishedJobRegistry,
    "failed": FailedJobRegistry,
    "deferred": DeferredJobRegistry,
    "scheduled": ScheduledJobRegistry,
    "canceled": CanceledJobRegistry,
}


def registries(r, q, job_id, now):
    """Where the job is: the queue and each registry, with its score."""
    found = {}
    if job_id in q.job_ids:
        found["queue"] = q.job_ids.index(job_id)
    if job_id.encode() in r.lrange(q.key + ":intermediate", 0, -1):
        found["intermediate"] = True
    for name, cls in REGISTRIES.items():
        reg = cls(queue=q)
        if job_id in reg.get_job_ids():
            score = r.zscore(reg.key, job_id)
            if score is None:
                found[name] = "member"
            elif math.isinf(score):
                found[name] = "inf"
            else:
                found[name] = "past" if score <= now else seconds(score - now)
    return found


def results(job):
    out = []
    for res in job.results():
        out.append({
            "type": value(res.type),
            "return_value": canon(res.return_value),
            "exc_string": exc(res.exc_string),
        })
    return out


def job_fields(r, job):
    status = job.get_status(refresh=False)
    latest = job.latest_result()
    return {
        "status": value(status),
        "origin": job.origin,
        "description": job.description,
        "func_name": job.func_name,
        "args": canon(job.args),
        "kwargs": canon(job.kwargs),
        "timeout": job.timeout,
        "result_ttl": job.result_ttl,
        "failure_ttl": job.failure_ttl,
        "ttl": job.ttl,
        "retries_left": job.retries_left,
        "retry_intervals": job.retry_intervals,
        "dependency_ids": sorted(job._dependency_ids),
        "allow_dependency_failures": job.allow_dependency_failures,
        "dependent_ids": sorted(job.dependent_ids),
        "meta": canon(job.meta),
        "worker_name": job.worker_name,
        "return_value": canon(job.return_value()),
        "exc_info": exc(job.exc_info),
        "latest_result": None if latest is None else value(latest.type),
        "success_callback_name": job._success_callback_name,
        "failure_callback_name": job._failure_callback_name,
        "times": {f: getattr(job, f) is not None
                  for f in ("created_at", "enqueued_at", "started_at", "ended_at", "last_heartbeat")},
        "hash_fields": sorted(k.decode() for k in r.hkeys(job.key)),
    }


def job_snapshot(r, serializer, q, job_id, now):
    snap = {"in": registries(r, q, job_id, now)}
    try:
        job = Job.fetch(job_id, connection=r, serializer=serializer)
        snap["exists"] = True
        snap.update(job_fields(r, job))
    except NoSuchJobError:
        snap["exists"] = False
        job = Job(job_id, connection=r, serializer=serializer)
    snap["results"] = results(job)
    snap["ttl"] = {
        "job": ttl(r, "rq:job:" + job_id),
        "results": ttl(r, "rq:results:" + job_id),
        "dependents": ttl(r, "rq:job:%s:dependents" % job_id),
        "dependencies": ttl(r, "rq:job::%s:dependencies" % job_id),
    }
    return snap


def worker_snapshot(r, serializer):
    w = Worker.find_by_key(WORKER_KEY, connection=r, serializer=serializer)
    if w is None:
        return {"exists": False}
    return {
        "exists": True,
        "successful_job_count": w.successful_job_count,
        "failed_job_count": w.failed_job_count,
        "total_working_time": bool(w.total_working_time),
        "state": value(w.get_state()),
        "queues": w.queue_names(),
        "current_job": w.get_current_job_id(),
        "birth": w.birth_date is not None,
        "last_heartbeat": w.last_heartbeat is not None,
        "death": bool(r.hexists(WORKER_KEY, "death")),
        "ttl": ttl(r, WORKER_KEY),
        "in_workers": bool(r.sismember("rq:workers", WORKER_KEY)),
        "in_queue_workers": bool(r.sismember("rq:workers:default", WORKER_KEY)),
    }


def snapshot(url, serializer):
    r = Redis.from_url(url)
    now = time.time()
    q = Queue("default", connection=r, serializer=serializer)
    return {
        "jobs": {j[0]: job_snapshot(r, serializer, q, j[0], now) for j in jobs(serializer)},
        "queue": {
            "count": q.count,
            "queues": sorted(x.name for x in Queue.all(connection=r)),
            "registries": {name: len(cls(queue=q)) for name, cls in REGISTRIES.items()},
        },
        "worker": worker_snapshot(r, serializer),
        "keys": sorted(set(re.sub(r"[0-9a-f]{32}", "<hex>", k.decode()) for k in r.keys("*"))),
    }


def main(argv):
    if len(argv) < 3 or argv[0] not in ("enqueue", "read") or argv[1] not in SERIALIZERS:
        sys.exit("usage: snapshot.py enqueue|read json|pickle URL...")
    serializer = SERIALIZERS[argv[1]]
    if argv[0] == "enqueue":
        enqueue(serializer, argv[2:])
        return
    snaps = [snapshot(url, serializer) for url in argv[2:]]
    json.dump(snaps, sys.stdout, sort_keys=True, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
