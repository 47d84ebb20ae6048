"""Benchmarks behind `make bench`: every ``bench/bench_*.py`` module's ``run()`` rows."""
