"""Benchmarks: each module's ``run()`` measures one thing against a same-run baseline."""
