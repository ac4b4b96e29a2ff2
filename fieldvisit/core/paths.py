"""Where the folders shipped with fieldvisit are, installed from a wheel or in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def find_folder(folder: str) -> str:
    """Find a folder shipped in the wheel (inside the package) or in a checkout."""
    for candidate in (PACKAGE_DIR / folder, PACKAGE_DIR.parent / folder):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"fieldvisit cannot find its {folder}/ folder")
