"""Job state shared between machines, in Redis: limits, status, progress, heartbeats, results.

With ``redis_url`` set, exports and imports run on Celery workers (`celery_app`) and every fact
about a job lives here, so whichever web worker on whichever machine is asked answers the same:

    anchor:job:ID            the job's status, JSON (state, progress, message, what, user ...)
    anchor:beat:ID           set by the worker while it runs, expiring after BEAT_TTL_S: when it
                             has gone and the job still says running, the worker died
    anchor:done:ID           a list the worker pushes to when it finishes (the web thread waits
                             on it with BLPOP instead of polling)
    anchor:result:ID         an export's bytes (at most RESULT_CAP_BYTES), kept RESULT_TTL_S
    anchor:cancel:ID         asks a running import to stop
    anchor:slots:KIND        the jobs of a kind queued or running, scored by when their slot
    anchor:slots:KIND:USER   expires; a user's own

Admission (`admit`) is one Lua script, so two machines can never both take a user's last slot;
slots carry an expiry (Redis's own clock), so a web worker killed while holding one cannot leak
it. Status merges are WATCH/MULTI transactions (not Lua: its cjson turns [] into {} and keeps 14
digits of a float): a late progress line never overwrites a final state.
Redis that cannot be reached raises `QueueDown` within about CONNECT_TIMEOUT_S, never a hang.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import redis

from dashboard.serve.exportqueue import Busy

BEAT_TTL_S = 10            # a running job not heard of for this long has lost its worker
JOB_TTL_S = 8 * 86400      # a job's status is kept this long (jobs.cleanup_jobs: 7 days)
RESULT_TTL_S = 300         # an export's bytes wait this long for the web thread to take them
RESULT_CAP_BYTES = 64 * 2**20   # bigger exports are refused with a message (Redis memory)
CONNECT_TIMEOUT_S = 2.0
FINAL = ("done", "failed")

_ADMIT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local per_user, total = tonumber(ARGV[3]), tonumber(ARGV[4])
if per_user > 0 and redis.call('ZCARD', KEYS[2]) >= per_user then
  return {1, redis.call('ZRANGE', KEYS[2], 0, 0)[1]}
end
if redis.call('ZCARD', KEYS[1]) >= total then return {2, ''} end
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 60)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]) + 60)
return {0, ''}
"""


class QueueDown(Busy):
    """Redis cannot be reached: say so (503, try again in a minute), do not wait."""

    def __init__(self, message: str):
        super().__init__(503, message, retry_after=60)


def down_message() -> str:
    return ("the server's job queue (Redis) cannot be reached, so exports and imports cannot "
            "start now: try again in a minute, and tell whoever runs the server if it goes on")


class RedisJobs:
    """The shared job store of one ``redis_url``."""

    def __init__(self, url: str):
        self.url = url
        self.r = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                      socket_timeout=10, health_check_interval=30)
        self._admit = self.r.register_script(_ADMIT)

    # ------------------------------------------------------------------ time and limits
    def now(self) -> float:
        """Redis's clock (every machine judges ages by the same one)."""
        seconds, micros = self._call(self.r.time)
        return seconds + micros / 1e6

    def admit(self, kind: str, user: str, job_id: str, *, per_user: int, total: int,
              lifetime_s: float) -> tuple[int, str]:
        """Take a slot for `job_id`: (0, "") taken; (1, the user's oldest job id) the user is at
        `per_user` (0 = no per-user limit); (2, "") `total` are queued or running."""
        code, other = self._call(self._admit, keys=[_slots(kind), _slots(kind, user)],
                                 args=[job_id, int(lifetime_s), per_user, total])
        return int(code), other.decode() if isinstance(other, bytes) else str(other or "")

    def release(self, kind: str, user: str, job_id: str) -> None:
        pipe = self.r.pipeline()
        pipe.zrem(_slots(kind), job_id)
        pipe.zrem(_slots(kind, user), job_id)
        self._call(pipe.execute)

    def user_jobs(self, kind: str, user: str) -> list[str]:
        return [m.decode() for m in self._call(self.r.zrange, _slots(kind, user), 0, -1)]

    def ahead_of(self, kind: str, job_id: str) -> int:
        """How many of the kind's jobs took their slot before this one."""
        return int(self._call(self.r.zrank, _slots(kind), job_id) or 0)

    # ------------------------------------------------------------------ status
    def write(self, job_id: str, *, only_if: str = "", **fields: Any) -> bool:
        """Merge `fields` into the job's status (never a final state back to running);
        `only_if` a state: only when the job is in it (a worker claiming a queued job)."""
        fields["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        key = f"anchor:job:{job_id}"

        def merge(pipe: Any) -> bool:
            raw = pipe.get(key)
            status = json.loads(raw) if raw else {}
            if only_if and status.get("state") != only_if:
                return False
            if status.get("state") in FINAL and fields.get("state") not in FINAL:
                return False
            pipe.multi()
            pipe.set(key, json.dumps({**status, **fields}, default=str), ex=JOB_TTL_S)
            return True

        return bool(self._call(self.r.transaction, merge, key, value_from_callable=True))

    def read(self, job_id: str) -> dict | None:
        raw = self._call(self.r.get, f"anchor:job:{job_id}")
        return json.loads(raw) if raw else None

    def beat(self, job_id: str) -> None:
        self._call(self.r.set, f"anchor:beat:{job_id}", 1, ex=BEAT_TTL_S)

    def alive(self, job_id: str) -> bool:
        return bool(self._call(self.r.exists, f"anchor:beat:{job_id}"))

    def ask_cancel(self, job_id: str) -> None:
        self._call(self.r.set, f"anchor:cancel:{job_id}", 1, ex=JOB_TTL_S)

    def cancel_asked(self, job_id: str) -> bool:
        return bool(self._call(self.r.exists, f"anchor:cancel:{job_id}"))

    # ------------------------------------------------------------------ finishing
    def finish(self, job_id: str, result: bytes | None = None, **fields: Any) -> None:
        """Final state (and an export's bytes, stored first: whoever sees the state finds them),
        then wake whoever waits for the job. A job given up or cancelled meanwhile keeps its
        state, and its bytes are dropped (no memory held for nobody)."""
        if result is not None:
            self._call(self.r.set, f"anchor:result:{job_id}", result, ex=RESULT_TTL_S)
        if fields and not self.write(job_id, only_if="running", **fields) and result is not None:
            self._call(self.r.delete, f"anchor:result:{job_id}")
        pipe = self.r.pipeline()
        pipe.rpush(f"anchor:done:{job_id}", 1)
        pipe.expire(f"anchor:done:{job_id}", RESULT_TTL_S)
        pipe.delete(f"anchor:beat:{job_id}")
        self._call(pipe.execute)

    def wait_done(self, job_id: str, timeout_s: float) -> bool:
        """Whether the job finished within `timeout_s` (BLPOP: no polling)."""
        return self._call(self.r.blpop, [f"anchor:done:{job_id}"], timeout=timeout_s) is not None

    def take_result(self, job_id: str) -> bytes | None:
        pipe = self.r.pipeline()
        pipe.get(f"anchor:result:{job_id}")
        pipe.delete(f"anchor:result:{job_id}", f"anchor:done:{job_id}")
        return self._call(pipe.execute)[0]

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise QueueDown(down_message()) from exc


def _slots(kind: str, user: str | None = None) -> str:
    return f"anchor:slots:{kind}" + (f":{user}" if user is not None else "")


@lru_cache(maxsize=8)
def store_of(url: str) -> RedisJobs:
    """One store (and connection pool) per URL per process."""
    return RedisJobs(url)
