"""Kept for older imports: the site server lives in pipeline.devserver."""

from pipeline.devserver import SiteServer

__all__ = ["SiteServer"]
