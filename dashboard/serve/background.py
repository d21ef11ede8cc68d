"""Where long work runs: Dash background callbacks on Celery + Redis, or on a local disk cache.

Long work (imports, big exports) is written as a Dash background callback
(``@app.callback(..., background=True, progress=..., running=..., cancel=...)``); the manager chosen
here decides where it runs and where its progress and result are kept:

- ``redis_url`` set: a ``CeleryManager``. The web workers only queue the job and read its
  progress and result from Redis; Celery workers on any machine run it
  (``celery -A app:celery_app worker``). Any web worker on any machine can answer the browser's
  polling, so machines behind a load balancer need no sticky sessions.
- otherwise: a ``DiskcacheManager`` on ``cache_folder`` (one machine): the job runs in a process
  forked from the web worker, and progress and results go through the SQLite cache that every
  gunicorn worker on that machine opens.

Either way no web worker holds a user's job in its memory. Dash signs job handles with a secret
kept in the same store, so every worker (and machine) agrees on it.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from dash import Dash

from dashboard.settings import Settings

log = logging.getLogger(__name__)
#: Results and progress of finished jobs are dropped after this many seconds.
RESULT_EXPIRES_S = 3600


def make_celery(redis_url: str, name: str = "anchor_spend_map") -> Any:
    """A Celery app with Redis as broker and result store, set up for Dash background callbacks."""
    from celery import Celery

    app = Celery(name, broker=redis_url, backend=redis_url)
    app.conf.update(
        result_expires=RESULT_EXPIRES_S,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,          # a long job does not hold others back
        task_acks_late=True,                   # a job of a killed worker is given to another
        task_reject_on_worker_lost=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 2 * RESULT_EXPIRES_S},
        worker_hijack_root_logger=False,
    )
    return app


def make_manager(settings: Settings) -> Any | None:
    """The background callback manager for these settings (see the module docstring).

    None, with a warning in the log, when the disk cache's optional packages are missing: the
    page still works; only background callbacks (none on the page itself) need a manager.
    """
    from dash import CeleryManager, DiskcacheManager

    if settings.redis_url:
        return CeleryManager(make_celery(settings.redis_url), expire=RESULT_EXPIRES_S)
    try:
        import diskcache
    except ImportError:
        log.warning("diskcache is not installed: background callbacks are off")
        return None
    os.makedirs(settings.cache_folder, mode=0o700, exist_ok=True)
    cache = diskcache.Cache(settings.cache_folder)
    cache.close()   # reopened lazily in each process: no SQLite handle crosses a fork
    try:
        return DiskcacheManager(cache, expire=RESULT_EXPIRES_S)
    except ImportError as exc:   # multiprocess or psutil missing
        log.warning("background callbacks are off: %s", exc)
        return None


def celery_of(app: Dash) -> Any | None:
    """The Celery app behind `app`'s background callbacks (for ``celery -A app:celery_app``),
    None when it runs them on the local disk cache."""
    manager = getattr(app, "_background_manager", None)
    return getattr(manager, "handle", None) if type(manager).__name__ == "CeleryManager" else None
