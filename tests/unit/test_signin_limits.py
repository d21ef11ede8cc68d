"""Sign-in limits shared across workers (issue 15): one SQLite file counts wrong passwords for
every worker process, per address and user, per user and per address; a right password from a
clean address is never refused because someone else guessed wrong; unknown users cost no hash."""
from __future__ import annotations

import multiprocessing

import pytest
from werkzeug.security import generate_password_hash

from dashboard.serve import auth
from dashboard.serve.auth import PasswordFile
from dashboard.serve.signin_limits import ADDRESS_LIMIT, PAIR_LIMIT, USER_LIMIT, FailureStore


@pytest.fixture()
def users(tmp_path):
    path = tmp_path / "users"
    path.write_text(f"alice:{generate_password_hash('right-password', 'pbkdf2:sha256:1000')}\n"
                    f"bob:{generate_password_hash('bobs-password', 'pbkdf2:sha256:1000')}\n")
    return path


def worker(users, limits, n, queue):
    """One "gunicorn worker": its own PasswordFile and store object on the shared file."""
    pf = PasswordFile(users, limits=FailureStore(limits))
    queue.put([pf.check("alice", f"guess {i}", "10.0.0.9") for i in range(n)])


def test_the_limit_is_shared_by_worker_processes(users, tmp_path):
    limits = tmp_path / "limits.sqlite"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(users, limits, 6, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    answers = queue.get(timeout=30) + queue.get(timeout=30)
    for p in procs:
        p.join(timeout=30)
    # 12 tries over two processes: at most PAIR_LIMIT were checked (per worker it was 10 each)
    assert answers.count(False) <= PAIR_LIMIT and answers.count(None) >= 12 - PAIR_LIMIT
    third = PasswordFile(users, limits=FailureStore(limits))
    assert third.check("alice", "guess again", "10.0.0.9") is None


def test_a_right_password_from_a_clean_address_is_never_refused(users, tmp_path):
    pf = PasswordFile(users, limits=FailureStore(tmp_path / "l.sqlite"))
    for i in range(PAIR_LIMIT + 2):                       # one attacker address
        pf.check("alice", f"guess {i}", "10.6.6.6")
    for k in range(USER_LIMIT + 5):                       # and many, one guess each
        pf.check("alice", "guess", f"10.7.0.{k}")
    assert pf.check("alice", "guess", "10.6.6.6") is None         # the attackers are refused
    assert pf.check("alice", "guess", "10.7.0.1") is None         # (the user-wide limit)
    assert pf.check("alice", "right-password", "192.168.1.20") is True   # the real user is not


def test_spraying_user_names_from_one_address_is_limited_and_costs_no_hash(users, tmp_path,
                                                                         monkeypatch):
    pf = PasswordFile(users, limits=FailureStore(tmp_path / "l.sqlite"))
    assert pf.check("bob", "bobs-password", "10.9.9.9") is True      # signed in before
    hashed = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash",
                        lambda h, p: hashed.append(1) or real(h, p))
    answers = [pf.check(f"user{i}", "Winter2026!", "10.9.9.9") for i in range(ADDRESS_LIMIT + 5)]
    assert hashed == []                                   # unknown users: no hash checked
    assert answers[:ADDRESS_LIMIT] == [False] * ADDRESS_LIMIT
    assert answers[ADDRESS_LIMIT:] == [None] * 5
    assert pf.check("alice", "right-password", "10.9.9.9") is None   # that address is limited
    assert pf.check("bob", "bobs-password", "10.9.9.9") is True      # remembered: not affected
    assert hashed == []


def test_an_unusable_store_falls_back_to_memory(users, tmp_path):
    pf = PasswordFile(users, limits=FailureStore(tmp_path / "no" / "such" / "dir" / "l.sqlite"))
    codes = [pf.check("alice", f"g{i}", "10.1.1.1") for i in range(PAIR_LIMIT + 1)]
    assert codes[:PAIR_LIMIT] == [False] * PAIR_LIMIT and codes[-1] is None
    assert pf.check("alice", "right-password", "10.1.1.2") is True
