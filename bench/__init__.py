"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` and writes bench/results.json.

Each module exposes ``run() -> list[dict]`` with keys name, value, unit, target, note. Figures
are ratios or measurements taken in one run (these machines are noisy), never asserted in tests.
"""
