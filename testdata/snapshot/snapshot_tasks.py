"""Tasks of the interop snapshot test (interop_snapshot_test.go), which
registers the same names in Go. Each is as small as the behaviour it shows:
the Go and Python versions must do the same thing.
"""
import time

from rq import get_current_job


def echo(value):
    """Returns its argument: the return value goes through the serializer."""
    return value


def save_meta(key, value):
    """Sets meta[key] = value, saves the job's meta and returns value."""
    job = get_current_job()
    job.meta[key] = value
    job.save_meta()
    return value


def sleep(seconds):
    """Sleeps, to outlast a job timeout, and returns "awake"."""
    time.sleep(seconds)
    return "awake"


def on_success(job, connection, result, *args, **kwargs):
    """Success callback: records the result in meta["success_callback"]."""
    job.meta["success_callback"] = result
    job.save_meta()


def on_failure(job, connection, typ, value, traceback):
    """Failure callback: counts its calls in meta["failure_callbacks"]."""
    job.meta["failure_callbacks"] = job.meta.get("failure_callbacks", 0) + 1
    job.save_meta()
