"""Store stage: the Elasticsearch edge (client, index templates, bulk writes, retention, status)."""
