"""Gunicorn settings for Anchor Spend Map: `gunicorn -c deploy/gunicorn.conf.py app:server`.

Address, port, workers and timeout come from the app's own settings (ANCHOR_HOST, ANCHOR_PORT,
ANCHOR_WORKERS, ANCHOR_TIMEOUT, or the ANCHOR_CONFIG file), so one place configures both.
Command-line options given to gunicorn still win over this file.

Workers are separate processes that hold no per-user state: each loads the read-only data set
(memory-mapped, so they share one copy in the page cache) and answers any request. The app is
not preloaded in the master: `kill -HUP <master>` (`systemctl reload anchor-spend-map`) starts new
workers that load the data set's current version, while the old ones finish their requests.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dashboard.settings import load_settings, open_without_sign_in

_settings = load_settings()

wsgi_app = "app:server"
bind = [f"[{_settings.host}]:{_settings.port}" if ":" in _settings.host
        else f"{_settings.host}:{_settings.port}"]
workers = _settings.workers
worker_class = "gthread"        # keep-alive for the page's bursts of callback requests
threads = 8     # a thread waiting on an export's process costs little; with 2, five users
                # exporting held most threads and pages queued (p95 12 s, mixed load test)
timeout = _settings.timeout     # a worker stuck longer than this is killed and replaced
graceful_timeout = 30
keepalive = 5
preload_app = False             # HUP reloads the data set; a replaced worker loads it afresh
max_requests = 20000            # recycle workers now and then (bounded memory growth)
max_requests_jitter = 2000
limit_request_line = 8190       # longest request line (URL) accepted
limit_request_fields = 100
limit_request_field_size = 16384
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "anchor-spend-map"
accesslog = "-"
errorlog = "-"
loglevel = "info"
# no user name, password or query string in the access log: the query may name a ward or anchor
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# every field escaped: a %0a in the path cannot forge a second log line (deploy/accesslog.py)
logger_class = "deploy.accesslog.SafeLogger"


def on_starting(server):
    """Refuse to listen where other machines can reach the app with no sign-in (unless
    open_to_network says so), whatever bound it: ANCHOR_HOST or gunicorn's own -b."""
    why = open_without_sign_in(_settings, list(server.cfg.bind))
    if why:
        sys.exit(f"anchor-spend-map: cannot start: {why}")
