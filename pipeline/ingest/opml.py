"""Import an OPML subscription list into ``config/feeds.yaml`` entries."""

from __future__ import annotations

import yaml
from lxml import etree


def opml_feeds(data: bytes) -> list[dict[str, object]]:
    """Every ``<outline xmlUrl=...>``, with its parent outline's title as a tag."""
    root = etree.fromstring(data, parser=etree.XMLParser(recover=True, resolve_entities=False))
    feeds: list[dict[str, object]] = []
    if root is None:
        return feeds
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if not url:
            continue
        name = outline.get("title") or outline.get("text") or url
        parent = outline.getparent()
        tag = parent.get("title") or parent.get("text") if parent is not None else None
        feed: dict[str, object] = {"url": url, "name": name}
        if tag and parent.tag == "outline":
            feed["tags"] = [tag]
        feeds.append(feed)
    return feeds


def opml_to_feeds_yaml(data: bytes) -> str:
    """YAML for ``config/feeds.yaml``."""
    return yaml.safe_dump({"feeds": opml_feeds(data)}, sort_keys=False, allow_unicode=True)
