"""tracuu's write path: documents in, a Whoosh index out. Nothing here imports Flask or search_app.

* ``text/``       Vietnamese analysis: ``normalise`` (NFC, tone placement, folding), ``analysis``
                  (protect numbers and dates -> pyvi -> Whoosh analyzers), ``abbreviations``
* ``documents/``  the Article, ``extract`` (every file format -> Articles), ``metadata`` (dates,
                  types, units, numbers found in the text), and their data files
* ``index/``      ``schema``, ``build`` (incremental, crash-safe), ``workers`` (segments written
                  in worker processes), ``merge_policy``, ``ingest`` (staff changes, index in step)
* ``whoosh_w3``   every use of Whoosh internals (postings blocks, columns, the segment writer),
                  checked against the Whoosh version it was written for
"""
