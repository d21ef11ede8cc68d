"""Entry point for `python app.py` (the local demo) and WSGI servers (`gunicorn app:server`); the
app is composed by `dashboard.serve.app` (`python app.py --network NAME` shows a saved data set)."""
from dashboard.serve.app import entry_app, run

app = entry_app(from_command_line=__name__ == "__main__")
server = app.server

if __name__ == "__main__":
    run(app)
