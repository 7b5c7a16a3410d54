"""Prefect flows: they compose transforms, expectations and the warehouse, and never parse.

``flows.ingest.annual_ingest`` is the one flow; ``prefect.yaml`` deploys it.
"""
