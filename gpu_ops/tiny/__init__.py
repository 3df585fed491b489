"""Tiny random pipelines built and saved locally (a few MB, offline): the tests and benchmarks
load them through the real gpu_ops code path, since real weights cannot be downloaded there."""
