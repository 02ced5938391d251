"""The thread in ``steerco worker`` that starts periodic tasks when they are due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

THREAD_NAME = "steerco-scheduler"


class PeriodicScheduler(threading.Thread):
    """Tick the periodic schedule every ``interval`` seconds until :meth:`stop`.

    Daemonic, so that a worker killed outright never hangs on it; a clean stop waits at most
    for the tick in progress, which only writes a few rows.
    """

    def __init__(self, interval: float, tick: Callable[[], object] | None = None) -> None:
        super().__init__(name=THREAD_NAME, daemon=True)
        if interval <= 0:
            raise ValueError("the scheduler's interval must be positive")
        self.interval = interval
        self.ticks = 0
        self._tick = tick
        self._stopping = threading.Event()

    def run(self) -> None:
        from steerco.jobs.periodic_services import periodic_tick

        tick = self._tick or periodic_tick
        try:
            while not self._stopping.is_set():
                close_old_connections()
                try:
                    tick()
                except Exception:  # a database hiccup must not end the schedule for good
                    logger.exception("Periodic schedule tick failed")
                self.ticks += 1
                self._stopping.wait(self.interval)
        finally:
            # This thread's connections are its own; leave none open behind it.
            connections.close_all()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
