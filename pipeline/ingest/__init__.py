"""Ingest stage: feeds polled, new entries found, pages fetched and turned into article records.

Modules: ``feeds`` (parse feed documents), ``feedstate`` (per-feed state and its storage),
``opml`` (subscription import), ``pagetext`` (HTML -> text with trafilatura), ``articles``
(the article record), ``urls`` and ``simhash`` (content-derived ids and signatures),
``enrich`` (claims/events attached to articles), ``cycle`` (one ingest cycle), ``batches``
(feed batches for the scheduler's mapped tasks). Importing this package imports nothing else.
"""
