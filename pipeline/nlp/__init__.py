"""NLP stage: claims (who said what) and events (what happened) from article text, with spaCy.

Importing this package imports nothing else; spaCy loads only when an analyzer is built
(`analyzer_from_settings`, or `pipeline.nlp.analyzer.Analyzer`). Modules:

- `analyzer`: the public API (`Analyzer.analyze`, the JSONL runner) and the staged pipeline;
- `model`, `segment`, `filters`, `morph`: model loading, segmentation and quote pairing,
  cheap pre-filters, table morphology;
- `context`: the document record the extractors read; `entityhead`, `embedcache`: entities;
- `claims` + `claim_content` + `claim_syntax` + `speakers` + `coref`: claim extraction, where a
  cue's content is, speaker resolution and coreference (pronouns, descriptions, titles);
- `events` + `event_senses` + `public_affairs` + `event_actors` + `event_location` +
  `event_status`: event extraction, the sense checks on its trigger words, the document-level
  public-affairs gate, its participants, place and status;
- `decide` + `features`: the learned decision layers over the rules' candidates;
- `dates`: publication and event dates; `lexicons`: every rule vocabulary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.nlp.analyzer import Analyzer


def analyzer_from_settings(settings: Settings, enabled: bool = True) -> Analyzer | None:
    """The analyzer the settings ask for (`analyze`, `entities`); None when analysis is off.

    spaCy is imported only when an analyzer is built, so callers may import this freely;
    an ImportError means the NLP dependencies are not installed.
    """
    if not (enabled and settings.analyze):
        return None
    from pipeline.nlp.analyzer import Analyzer

    return Analyzer(entities=settings.entities)
