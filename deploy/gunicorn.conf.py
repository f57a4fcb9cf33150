"""gunicorn settings for the dashboard's web workers: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

The workers listen on the loopback only: nginx (deploy/nginx/) sits in front and absorbs slow clients.
Command-line options win over these (`--workers 4`).
"""

import multiprocessing

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
