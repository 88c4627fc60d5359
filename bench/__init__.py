"""Benchmarks that measure the archiver against reference data; not part of the installed package."""
