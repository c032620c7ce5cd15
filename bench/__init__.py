"""Benchmarks of tracuu: indexing, queries, web (see bench/README.md); results in bench/RESULTS.md."""
