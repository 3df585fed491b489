"""Bindings to the outside world: the ffmpeg binary, espeak-ng (ctypes), PyAV, glibc's malloc and
child processes in their own session (prctl).

The only package that starts processes or loads C libraries; domain/ stays pure and the assets,
resources, runs and the stack call these."""
