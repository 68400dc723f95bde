"""Alerts stage: rules over the indexed articles, one email per (rule, story), never lost or doubled.

Importing this package (or any module in it) never imports spaCy.
"""
