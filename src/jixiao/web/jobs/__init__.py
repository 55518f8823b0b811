"""Background jobs a user asks for and watches: the PDF report, recomputing every stored
result. Each :class:`~jixiao.web.jobs.models.Job` is the user's record of one (its progress, its
items' results, its file); the task queue (django-tasks' database backend, decision 0022) only
carries "run job N" to a worker process."""
