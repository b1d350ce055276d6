"""Benchmarks for kg: a synthetic corpus generator (synth) and the stage benchmark (run)."""
