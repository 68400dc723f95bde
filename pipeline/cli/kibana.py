"""``kibana import --url URL``: import config/kibana/ (pipeline.store.kibana), one line per file.

On failure one clear line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.store.kibana import KibanaError, import_saved_objects


def _imported(path: Path, count: int) -> None:
    print(f"{path.name}: {count} saved objects imported")


def kibana_command(args: argparse.Namespace) -> int:
    """CLI entry: ``kibana import --url URL``; one clear line on failure, exit status 1."""
    if getattr(args, "kibana_command", "import") != "import":
        print(f"unknown kibana command: {args.kibana_command}", file=sys.stderr)
        return 2
    try:
        import_saved_objects(args.url, space=os.environ.get("KIBANA_SPACE"), on_file=_imported)
    except KibanaError as exc:
        print(f"kibana import failed: {exc}", file=sys.stderr)
        return 1
    return 0
