"""`python -m indexer ...`: the indexer's commands without the web app."""

from indexer.cli import main

main()
