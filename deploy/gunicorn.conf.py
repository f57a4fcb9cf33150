"""gunicorn settings for the dashboard's web workers: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

The workers listen on the loopback only: nginx (deploy/nginx/) sits in front and absorbs slow clients.
Command-line options win over these (`--workers 4`).
"""

import multiprocessing
import os

bind = "127.0.0.1:8050"
worker_class = "gthread"
workers = max(2, multiprocessing.cpu_count())
threads = 8
timeout = 60  # a worker silent this long is restarted
graceful_timeout = 20
keepalive = 30  # nginx keeps its upstream connections open (keepalive 32 in cityops.conf)
max_requests = 20000  # recycle workers now and then; the jitter keeps them from restarting together
max_requests_jitter = 2000
accesslog = None  # nginx logs every request; the app logs what matters


# Metrics with several workers (PROMETHEUS_MULTIPROC_DIR, set for this service only): each worker writes its
# counts to files there and /metrics sums them. The folder is emptied at start, or a restart would count twice.
def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # its live gauges leave the sums
