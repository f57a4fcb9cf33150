# The dashboard's image, for the web workers and the collectors alike (deploy/compose.yaml).
# Built from the repository root: docker compose -f deploy/compose.yaml build
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MALLOC_ARENA_MAX=2

WORKDIR /opt/cityops

# The exact versions of requirements.lock. The code stays here too: gunicorn and `python -m` run from this
# folder, where deploy/gunicorn.conf.py and the assets are.
COPY . .
RUN pip install -c requirements.lock . \
    && useradd --system --uid 10001 --home-dir /opt/cityops --shell /usr/sbin/nologin cityops \
    && install -d -o cityops -g cityops /var/cache/cityops /tmp/cityops-metrics

USER cityops
EXPOSE 8050
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8050", "app:create_app()"]
