"""``kibana import --url URL``: import config/kibana/ (pipeline.store.kibana), one line per file.

The objects are renamed for the configured index prefix (``index_prefix`` in newsmon.yaml or
``NEWSMON_INDEX_PREFIX``), so the data views read this installation's aliases and the alert
emails' Kibana links open them. Credentials come from the URL's userinfo or
``KIBANA_USERNAME``/``KIBANA_PASSWORD``; no line printed contains them (the URL is shown with
its userinfo masked). On failure one clear line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.config import load_settings
from pipeline.store.kibana import KibanaError, import_saved_objects, mask_url, target_from_url


def _imported(path: Path, count: int) -> None:
    print(f"{path.name}: {count} saved objects imported")


def kibana_command(args: argparse.Namespace) -> int:
    """CLI entry: ``kibana import --url URL``; one clear line on failure, exit status 1."""
    if getattr(args, "kibana_command", "import") != "import":
        print(f"unknown kibana command: {args.kibana_command}", file=sys.stderr)
        return 2
    settings_path = getattr(args, "settings", None)
    prefix = load_settings(Path(settings_path) if settings_path else None).index_prefix
    target = None
    try:
        target = target_from_url(args.url)
        print(f"importing saved objects for index prefix {prefix!r} into {target.base_url}")
        import_saved_objects(args.url, space=os.environ.get("KIBANA_SPACE"), on_file=_imported, prefix=prefix)
    except KibanaError as exc:
        print(f"kibana import failed: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one redacted line, never a traceback quoting the URL
        detail = " ".join(target.redact(str(exc)).split()) if target is not None else type(exc).__name__
        print(f"kibana import failed: {mask_url(args.url)}: {detail}", file=sys.stderr)
        return 1
    return 0
