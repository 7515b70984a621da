"""Ingest: a contributed folder ``data/raw/<id>/`` becomes documents and rejects."""
