"""Makes the helper modules beside these tests (xml_hostile_cases, xml_canaries) importable:
the importlib import mode does not put a test folder on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
