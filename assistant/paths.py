"""Where the top-level folders (static, templates, flows, surveys) are, in a checkout or an install."""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
_INSTALLED = Path(sys.prefix) / "share" / "assistant"


def resource_dir(name: str) -> Path:
    """Return the folder `name` (static, templates, flows, surveys, rules) of this installation."""
    for root in (_CHECKOUT, _INSTALLED):
        if (root / name).is_dir():
            return root / name
    return _CHECKOUT / name
