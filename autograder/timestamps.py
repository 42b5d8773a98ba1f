"""When a submission was handed in, as nbgrader records it: the basis of its late penalty and of
the timestamp column of `nbgrader export`'s grades.csv."""
import datetime
from pathlib import Path

TIMESTAMP_FILE = "timestamp.txt"  # written by `nbgrader submit`, kept by `nbgrader collect`


def submission_time(folder, notebook_name=None):
    """The submission's time in UTC (naive, as nbgrader stores it): its timestamp.txt where
    nbgrader wrote one, else the time its notebook file (or the folder) was last written."""
    from nbgrader.utils import parse_utc

    folder = Path(folder)
    stamp = folder / TIMESTAMP_FILE
    if stamp.is_file():
        try:
            text = stamp.read_text(encoding="utf-8").strip()
            if text:
                return parse_utc(text)
        except (OSError, ValueError, OverflowError):
            pass  # unreadable: fall back to the file's own time, never fail a grade over it
    source = folder / notebook_name if notebook_name and (folder / notebook_name).exists() else folder
    seconds = source.stat().st_mtime
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def as_text(moment):
    """A UTC time as nbgrader writes it in timestamp.txt and parses it back."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC") if moment else ""


def from_text(text):
    from nbgrader.utils import parse_utc

    return parse_utc(text) if text else None
