"""The task queue's one task: "run job N". Django 6's tasks (``django.tasks``), or on Django 5.2
their backport (``django_tasks``); the backend is django-tasks-db's, a table in jixiao's own
database (``settings.TASKS``, decision 0022). Everything else about a job — its state,
progress, results — is the :class:`~jixiao.web.jobs.models.Job` row's."""

from __future__ import annotations

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]

from jixiao.web.jobs.models import Job


@task()
def run_job(job_id: int) -> None:
    """Run the job ``job_id`` in this worker (``running.run``)."""
    from jixiao.web.jobs.running import run

    run(job_id)


def enqueue(job: Job) -> None:
    """Put "run ``job``" on the queue — a row written in the caller's transaction, so the job,
    its audit event and its place in the queue are committed together or not at all."""
    run_job.enqueue(job.pk)
