"""Entry point for `python app.py` and WSGI servers (`gunicorn app:server`)."""
from dashboard.app import create_app
from dashboard.settings import load_settings

settings = load_settings()
app = create_app(settings=settings)
server = app.server

if __name__ == "__main__":
    app.run(host=settings.host, port=settings.port, debug=settings.debug,
            dev_tools_disable_version_check=True)  # no call to plotly.com, even in debug
