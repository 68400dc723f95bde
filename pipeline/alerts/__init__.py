"""Alerts stage: rules over the indexed articles, one email per (rule, story), never lost or doubled.

  rules     load and validate config/alerts.yaml (Rule, Keywords, Term, DeliveryMode)
  query     Elasticsearch queries for a rule: keyword variants, filters, highlight
  search    search plans and matching articles (one rule, or all in one _msearch)
  stories   matches grouped into stories (canonical URL or near-identical SimHash)
  state     per-rule checkpoints and the (rule, story) AlertRecord with its AlertStatus
  run       the run loop: evaluate, record, deliver, mark (run_alerts_once, preview_rule)
  mail      compose alert emails and send them (SMTP or a file outbox)

Importing this package (or any module in it) never imports spaCy.
"""
