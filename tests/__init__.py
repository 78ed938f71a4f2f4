"""Roob's test suite (a package, so that ``python -m tests.soak`` finds it before any
installed distribution's top-level ``tests``)."""
