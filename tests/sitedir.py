"""Tests serve folders with the same server the demo uses."""

from pipeline.devserver import SiteServer

__all__ = ["SiteServer"]
