"""Builds one job per configured source and runs them in threads until told to stop."""

from __future__ import annotations

import logging
import os
import socket
import threading

from dashboard import keys
from dashboard.alarms import AlarmEvaluator
from dashboard.collectors.alarm_job import AlarmJob
from dashboard.collectors.job import SourceJob
from dashboard.geo import configured_boundaries
from dashboard.layers import LAYERS
from dashboard.settings import Settings
from dashboard.snapshots import SnapshotReader
from dashboard.sources import Source
from dashboard.sources.configured import build_source
from dashboard.sources.demo import build_demo_sources
from dashboard.store import Store

log = logging.getLogger(__name__)


def configured_sources(settings: Settings) -> list[Source]:
    """The sources to collect: the configured real feeds, or the demonstration feeds when there are none."""
    if settings.sources:
        return [build_source(config) for config in settings.sources]
    return build_demo_sources(settings.demo_seed, speed=settings.demo_speed, faults=settings.demo_faults)


class CollectorRunner:
    """Runs a SourceJob per source, each in its own thread, sharing one store."""

    def __init__(
        self, store: Store, sources: list[Source], settings: Settings, *, snapshots: SnapshotReader | None = None
    ) -> None:
        """`snapshots`: the process's reader when it already has one (all-in-one mode: the web app's)."""
        self.stop_event = threading.Event()
        writer = f"{socket.gethostname()}:{os.getpid()}"
        # Read once per process and shared by every job: the join then costs one sjoin per fetch.
        boundaries, problem = configured_boundaries(settings)
        if boundaries is None:
            log.warning("records are not located in communes and quartiers: %s", problem or "no boundaries configured")
        self.jobs = [
            SourceJob(
                source,
                LAYERS[source.layer],
                store,
                store.leader_lock(keys.leader(source.layer, source.name), settings.leader_ttl_seconds),
                interval=settings.refresh_seconds or LAYERS[source.layer].refresh_seconds,
                jitter_ratio=settings.jitter_ratio,
                backoff_max=settings.backoff_max_seconds,
                writer=writer,
                boundaries=boundaries,
            )
            for source in sources
        ]
        self.alarm_job = AlarmJob(
            snapshots or SnapshotReader(store),
            store.alarm_store(cleared_kept=settings.alarms.cleared_kept),
            store.leader_lock(keys.alarms_leader(), settings.leader_ttl_seconds),
            AlarmEvaluator(settings.alarms.rules),
            interval=settings.alarms.evaluate_seconds,
        )
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start one daemon thread per job."""
        for job in self.jobs:
            thread = threading.Thread(target=job.run, args=(self.stop_event,), name=f"collector-{job.source.name}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)
        thread = threading.Thread(target=self.alarm_job.run, args=(self.stop_event,), name="collector-alarms")
        thread.daemon = True
        thread.start()
        self._threads.append(thread)
        log.info("collecting %s", ", ".join(job.source.name for job in self.jobs))

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every job to finish its current fetch, release its lock and end."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
