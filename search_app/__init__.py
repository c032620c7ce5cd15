"""tracuu's read path and its edges: the search engine, the web app, the settings, the command line.

* ``engine/``    the search engine: query parsing, evaluation over arrays, ranking, facets,
                 highlighting, suggestions, and the Engine object that owns them
* ``web/``       the Flask app (``create_app``): pages, JSON API, staff area, the server
* ``settings``   every setting with its default and help, read from the environment once
* ``cli``        the one ``tracuu`` command (also ``python -m search_app``)

It uses ``indexer`` (the write path) and is never imported by it.
"""

from search_app.web import create_app

__all__ = ["create_app"]
