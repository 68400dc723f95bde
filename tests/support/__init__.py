"""Test support: servers, inboxes, paths and helpers shared by tests and benchmarks.

Never imported by ``pipeline/``. Modules: ``httpserver`` (the one HTTP server: a folder site or
a fault-injecting route table; ``python -m tests.support.httpserver FOLDER``), ``smtp`` (a real
SMTP inbox), ``paths`` (ROOT and the folders under it), ``elastic`` (drop a test prefix),
``alerting`` (set a rule's state, a counting mail transport), ``fetching`` (blocking fetches).
"""
