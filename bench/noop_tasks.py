"""The no-op task that the Python RQ workers of the bench run."""


def noop(i):
    """Does nothing with its argument: the job costs only the queue's work."""
