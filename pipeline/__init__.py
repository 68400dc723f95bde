"""newsmon: feeds -> article text -> claims and events -> Elasticsearch -> alerts.

Plain Python with no Airflow import: the DAGs in ``dags/`` and the CLI (``python -m pipeline``)
both call into these modules.
"""

__version__ = "0.1.0"
