"""Where the third-party data lives: ``../shared/data`` beside the project, or
``$STEERCO_SHARED_DATA``. Tests read it in place and skip when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get(
        "STEERCO_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
)
