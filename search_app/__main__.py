"""`python -m search_app ...`: the same command line as `tracuu`."""

from search_app.cli import main

main()
