"""newsmon: feeds -> article text -> claims and events -> Elasticsearch -> alerts.

Plain Python with no Airflow import: the DAGs in ``dags/`` and the CLI (``python -m pipeline``)
both call into these modules. One subpackage per stage; plain records flow between them::

    pipeline/
      config.py    settings, feed list and their validation (config/*.yaml)
      records.py   the records that flow between stages (Entry, Article) and their statuses
      ingest/      feeds polled (state, back-off, OPML), pages turned into article records,
                   one cycle, batches for the scheduler, feed health
      fetch/       the only HTTP edge: SSRF guard, bounded decompression, charset, client
      nlp/         claims and events with spaCy: model, segmentation, speakers and their
                   coreference, events (actors, status, location), lexicons, entity head,
                   decision layers, the Analyzer
      store/       the Elasticsearch edge: client and templates, bulk writes, retention,
                   Kibana import, status
      alerts/      rules, queries, stories, per-rule state and (rule, story) records, run, mail
      cli/         the command line: argument parsing and everything printed

Only ``nlp`` imports spaCy (and only when an analyzer is built); ``alerts``, ``store``,
``fetch`` and ``ingest`` never import it (``tests/test_architecture.py``).
"""

__version__ = "0.1.0"
