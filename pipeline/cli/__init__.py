"""Command-line layer: ``python -m pipeline`` and the ``newsmon`` script.

``main`` parses the arguments (pipeline.cli.main); the commands' printing lives here too
(``alerts``, ``kibana``, ``status``), so the stage modules only return data.
"""

from pipeline.cli.main import main

__all__ = ["main"]
