"""Journey transcripts as syrupy snapshots: one readable Markdown file per journey and language,
at exactly ``docs/screens/<journey>.<lang>.md``.

Syrupy compares the transcript a run records with the file, fails the test when they differ
(showing the diff) or when the file is missing, and writes the files with ``--snapshot-update``
(docs/testing.md, "Screens")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
LANGUAGES = ("kk", "ru", "en")
_TRANSCRIPT = re.compile(r"^[a-z0-9-]+\.(?:kk|ru|en)\.md$")


def transcript_name(test_location: PyTestLocation) -> str:
    """``test_hr_head`` with ``language`` "kk" → "hr-head.kk"."""
    item: Any = test_location.item
    journey = item.originalname.removeprefix("test_").replace("_", "-")
    language = item.callspec.params["language"]
    assert language in LANGUAGES, language
    return f"{journey}.{language}"


class ScreensExtension(SingleFileSnapshotExtension):
    """The transcript of ``test_<journey>`` in ``language`` is ``docs/screens/<journey>.<lang>.md``."""

    file_extension = "md"
    _write_mode = WriteMode.TEXT

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: SnapshotIndex = 0) -> str:
        return transcript_name(test_location)

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SCREENS)

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SCREENS)

    def is_snapshot_location(self, *, location: str) -> bool:
        # docs/screens/README.md is the reader's guide, not a transcript.
        return _TRANSCRIPT.match(Path(location).name) is not None

    @classmethod
    def matches_test_location(cls, *, test_location: PyTestLocation, snapshot_location: str) -> bool:
        return Path(snapshot_location).name == f"{transcript_name(test_location)}.md"

    def owns_snapshot_collection(self, *, filepath: str, test_location: PyTestLocation) -> bool:
        return self.is_snapshot_location(location=filepath)

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if not isinstance(data, str):
            raise TypeError(f"a transcript is Markdown text, not {type(data).__name__}")
        return data
