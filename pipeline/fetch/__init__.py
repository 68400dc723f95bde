"""Fetch stage: the only HTTP edge (feeds with conditional GET, article pages)."""
