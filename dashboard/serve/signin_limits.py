"""Wrong-password limits shared by every worker on a machine: a small SQLite file.

Each gunicorn worker is a process; limits kept in one worker's memory allowed workers x 10 tries a
minute. `FailureStore` keeps the recent failures (address, user, time) in one SQLite file that all
workers open (WAL mode, a short busy timeout), and answers three counts over the last window:

- per (address, user): the classic limit, ``PAIR_LIMIT`` wrong passwords a minute;
- per user, over all addresses: ``USER_LIMIT``; it applies only to addresses that have themselves
  failed for that user in the window, so a user's correct password from a clean address is never
  refused because someone elsewhere guessed wrong;
- per address, over all users (password spraying): ``ADDRESS_LIMIT``. Clients behind one address
  (a NAT) share it; a user already signed in on that worker (a remembered check) is not affected.

No password, hash or token is stored: only the address, the user name as typed (cut to 128
characters) and the time. The file is local to the machine (the temp folder by default; the
``auth_limits_file`` setting moves it): SQLite on network storage is not safe to share, so each
machine of several keeps its own limits. If the file cannot be used the store falls back to this
process's memory and logs it once: sign-in never fails because of the store.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

WINDOW_S = 60.0
PAIR_LIMIT = 10
USER_LIMIT = 20
ADDRESS_LIMIT = 30
_SCHEMA = ("CREATE TABLE IF NOT EXISTS failures (address TEXT NOT NULL, user TEXT NOT NULL, "
           "at REAL NOT NULL)",
           "CREATE INDEX IF NOT EXISTS failures_user ON failures (user, at)",
           "CREATE INDEX IF NOT EXISTS failures_address ON failures (address, at)")


def default_path(auth_file: str) -> Path:
    """The machine-local store for one password file: in the temp folder, named by the user id
    and a hash of the password file's path (two services on one machine keep apart)."""
    tag = hashlib.sha256(str(Path(auth_file).resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"anchor-spend-map-{os.getuid()}-{tag}.signin.sqlite"


class FailureStore:
    """Recent wrong passwords, shared through a SQLite file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike | None, *, window_s: float = WINDOW_S,
                 pair_limit: int = PAIR_LIMIT, user_limit: int = USER_LIMIT,
                 address_limit: int = ADDRESS_LIMIT):
        self.path = Path(path) if path else None
        self.window_s, self.pair_limit = window_s, pair_limit
        self.user_limit, self.address_limit = user_limit, address_limit
        self._memory: list[tuple[str, str, float]] = []   # the fallback
        self._lock = threading.Lock()
        self._local = threading.local()
        self._warned = False
        if self.path is not None:
            try:
                self._db().executescript(";".join(_SCHEMA))
                os.chmod(self.path, 0o600)
            except (sqlite3.Error, OSError) as exc:   # unusable: memory from now on
                self._warn(exc)
                self.path = None

    # ------------------------------------------------------------------ the questions
    def refused(self, address: str, user: str, now: float | None = None) -> bool:
        """Whether a sign-in from `address` as `user` is refused without checking the password."""
        now = time.time() if now is None else now
        pair, by_user, by_address = self._counts(address, _user(user), now - self.window_s)
        if pair >= self.pair_limit or by_address >= self.address_limit:
            return True
        return pair > 0 and by_user >= self.user_limit   # only addresses that failed for it

    def failed(self, address: str, user: str, now: float | None = None) -> None:
        """Record one wrong password (or unknown user) from `address`."""
        now = time.time() if now is None else now
        row = (address, _user(user), now)
        if self.path is not None:
            try:
                db = self._db()
                db.execute("INSERT INTO failures VALUES (?, ?, ?)", row)
                if int(now) % 10 == 0:   # now and then: forget what is out of every window
                    db.execute("DELETE FROM failures WHERE at < ?", (now - self.window_s,))
                return
            except sqlite3.Error as exc:   # busy or broken for now: this process's memory
                self._warn(exc)
        with self._lock:
            self._memory = [r for r in self._memory if r[2] >= now - self.window_s][-10_000:]
            self._memory.append(row)

    def succeeded(self, address: str, user: str) -> None:
        """A right password: that address's failures for that user are forgotten."""
        if self.path is not None:
            try:
                self._db().execute("DELETE FROM failures WHERE address = ? AND user = ?",
                                   (address, _user(user)))
                return
            except sqlite3.Error as exc:   # busy or broken for now: this process's memory
                self._warn(exc)
        with self._lock:
            self._memory = [r for r in self._memory if (r[0], r[1]) != (address, _user(user))]

    # ------------------------------------------------------------------ internals
    def _counts(self, address: str, user: str, since: float) -> tuple[int, int, int]:
        if self.path is not None:
            try:
                row = self._db().execute(
                    "SELECT SUM(address = ? AND user = ?), SUM(user = ?), SUM(address = ?) "
                    "FROM failures WHERE at >= ? AND (user = ? OR address = ?)",
                    (address, user, user, address, since, user, address)).fetchone()
                return tuple(int(v or 0) for v in row)   # type: ignore[return-value]
            except sqlite3.Error as exc:   # busy or broken for now: this process's memory
                self._warn(exc)
        with self._lock:
            recent = [r for r in self._memory if r[2] >= since]
        return (sum(1 for r in recent if r[0] == address and r[1] == user),
                sum(1 for r in recent if r[1] == user),
                sum(1 for r in recent if r[0] == address))

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections are not shared between threads)."""
        db = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = sqlite3.connect(str(self.path), timeout=2.0, isolation_level=None,
                                 check_same_thread=True)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _warn(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("sign-in limits: cannot use %s (%s); keeping them in this worker's "
                        "memory meanwhile", self.path, exc)
            self._warned = True


def _user(user: str) -> str:
    return user[:128]
