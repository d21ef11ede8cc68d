"""What the import panel says, before anything is uploaded, when the server has no reference data.

An officer who uploads a year of spend files and maps their columns must not learn only then that
the import cannot run. When the server has no usable postcode directory or deprivation file, the
panel opens with :func:`reference_notice`: what is missing, in plain words, and the exact command
whoever runs the server must run. Plain Python (no Dash); server paths are never shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from dashboard.ingest.reference import COMMAND, IOD_SOURCE, NSPL_SOURCE
from dashboard.ingest.uploads import References

_WHAT = {"postcodes": "a postcode directory (to find where each supplier is)",
         "imd": "the deprivation index (to say how deprived that place is)"}


@dataclass(frozen=True)
class ReferenceNotice:
    """The notice's parts: the layout shows ``command`` as code and ``details`` as a list."""

    missing: str                 # what is missing and why it matters
    ask: str                     # who must do what
    command: str                 # the command, exactly
    sources: str                 # where the two files are downloaded
    details: tuple[str, ...]     # the configuration problems found, as they are

    def text(self) -> str:
        """The whole notice as plain text (for logs and tests)."""
        return " ".join([self.missing, self.ask, self.command, self.sources, *self.details])


def reference_notice(refs: References) -> ReferenceNotice | None:
    """The notice for reference files `refs` (``uploads.reference_files``); None when a new import
    can run (a postcode directory and a deprivation file are there)."""
    if refs.ready:
        return None
    missing = [_WHAT[k] for k in ("postcodes", "imd") if not refs.files.get(k)]
    return ReferenceNotice(
        missing=("New imports cannot run on this server yet: it is missing "
                 f"{' and '.join(missing)}. These are public files kept on the server, "
                 "not uploaded here."),
        ask=("Ask whoever runs the server to install them once, by running this command on the "
             "server with the two files as downloaded (the names of the files they downloaded), "
             "then restarting the dashboard:"),
        command=COMMAND,
        sources=(f"The postcode directory zip (NSPL) comes from {NSPL_SOURCE}; File 1 comes "
                 f"from {IOD_SOURCE}."),
        details=tuple(refs.problems),
    )
