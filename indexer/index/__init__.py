"""The Whoosh index: its ``schema``, how it is ``build``-t and updated (``workers``, ``merge_policy``),
and staff changes that keep the corpus and the index in step (``ingest``)."""
