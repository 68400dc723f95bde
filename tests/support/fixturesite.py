"""A local news site made of real fixture pages: one RSS feed over N article pages.

`write_fixture_feed(root, count, guid_prefix, title)` copies the first `count` pages of
tests/fixtures/articles/MANIFEST.json to `root/news/NN-<stem>.html` under distinct URLs and
writes `root/feed.xml` linking them (`{{BASE_URL}}` is filled in by `TestServer`), one entry
per hour from 2025-06-01 08:00 UTC, with guids `<guid_prefix>-<n>`. Serve `root` with
`tests.support.httpserver.TestServer`.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from tests.support.paths import FIXTURES


def write_fixture_feed(root: Path, count: int, guid_prefix: str, title: str, description: str) -> None:
    """Write the pages and the feed into `root` (see the module docstring)."""
    (root / "news").mkdir(parents=True, exist_ok=True)
    manifest = json.loads((FIXTURES / "articles" / "MANIFEST.json").read_text(encoding="utf-8"))
    items = []
    first = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    for number, page in enumerate(manifest[:count]):
        name = f"{number:02d}-{Path(page['html']).stem}.html"
        shutil.copyfile(FIXTURES / "articles" / page["html"], root / "news" / name)
        items.append(
            f"<item><title>Fixture article {number}: {escape(page['site'])}</title>"
            f"<link>{{{{BASE_URL}}}}/news/{name}</link>"
            f'<guid isPermaLink="false">{guid_prefix}-{number}</guid>'
            f"<pubDate>{format_datetime(first + timedelta(hours=number))}</pubDate></item>"
        )
    (root / "feed.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>{{{{BASE_URL}}}}/</link><description>{escape(description)}</description>"
        + "".join(items)
        + "</channel></rss>\n",
        encoding="utf-8",
    )
