"""The search engine: from what a member types to ranked hits with facet counts.

Read it in the order a search runs:

* ``request``   the SearchRequest: words, filters, sort, page, checked
* ``query``     what a member types -> a Whoosh query tree (phrases, exclusions, prefixes,
                document numbers, accented/folded forms, abbreviations)
* ``arrays``    an index version as numpy arrays: postings, lengths, facet columns, cached
* ``evaluate``  a query tree over those arrays, scored with Whoosh's BM25F
* ``ranking``   order by score (with the words-together bonus) or by date
* ``facets``    date, unit and type: filters as masks, counts as bincounts
* ``highlight`` whole-word marks in titles and snippets
* ``suggest``   "Có phải bạn muốn tìm …"
* ``results``   Hit and SearchResult, which serialise themselves for the API and the CLI
* ``engine``    the Engine object that owns searchers and caches and answers all of the above
"""

from search_app.engine.engine import Engine
from search_app.engine.query import QueryError
from search_app.engine.request import SORTS, SearchRequest, parse_date
from search_app.engine.results import Hit, SearchResult

__all__ = ["Engine", "Hit", "QueryError", "SORTS", "SearchRequest", "SearchResult", "parse_date"]
