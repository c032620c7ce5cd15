"""Vietnamese analysis and Whoosh indexing for tracuu: documents in, a searchable index out.

The public surface: ``build_index`` (indexer.build), ``search`` (indexer.search),
``read_sources`` (indexer.extract). Nothing here imports Flask or the web app.
"""
