"""Where the local stack keeps things: the repository root and the git-ignored ``.local/``."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCAL_DIR = REPO_ROOT / ".local"
PORTAL_DIR = REPO_ROOT / "portal_site"
