"""Entry point for `python app.py` (the local demo) and WSGI servers (`gunicorn app:server`).

`celery_app` is the Celery app of the background callbacks when ANCHOR_REDIS_URL is set (run the
workers with `celery -A app:celery_app worker`), None otherwise. A setting or data set that cannot
work stops the start with one line saying what to do, not a traceback.
"""
import sys

from dashboard.serve.background import celery_of
from dashboard.errors import InputError


def command_line(argv: list[str] | None = None) -> dict:
    """Settings given on the command line of `python app.py`: `--network NAME` shows the saved
    data set NAME (as ANCHOR_NETWORK=NAME does)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python app.py", description="Run the Anchor Spend "
                                     "Map (settings: docs/settings.md).")
    parser.add_argument("--network", metavar="NAME",
                        help="show the saved data set NAME from networks_dir (data/networks), "
                             "as built by `python -m dashboard import NAME`")
    args = parser.parse_args(argv)
    return {"network": args.network} if args.network else {}


try:
    from dashboard.web.app import create_app
    from dashboard.settings import load_settings

    settings = load_settings(**(command_line() if __name__ == "__main__" else {}))
    app = create_app(settings=settings)
except (InputError, ValueError) as exc:
    sys.exit(f"anchor-spend-map: cannot start: {exc}")
server = app.server
celery_app = celery_of(app)

if __name__ == "__main__":
    app.run(host=settings.host, port=settings.port, debug=settings.debug,
            dev_tools_disable_version_check=True)  # no call to plotly.com, even in debug
