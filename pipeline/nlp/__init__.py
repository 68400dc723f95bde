"""NLP stage: claims (who said what) and events (what happened) from article text, with spaCy.

Importing this package imports nothing else; spaCy loads only when an analyzer is built.
"""
