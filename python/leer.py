"""Lee con Python RQ los trabajos cuyos identificadores se le dan y escribe,
de cada uno, su estado, su resultado y el worker que lo hizo."""
import os
import sys

from redis import Redis
from rq.job import Job

r = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
for job_id in sys.argv[1:]:
    job = Job.fetch(job_id, connection=r)
    status = job.get_status()  # en RQ 2, un JobStatus; en RQ 1.13, un texto
    status = getattr(status, "value", status)
    print(job_id, status, job.return_value(), job.worker_name)
