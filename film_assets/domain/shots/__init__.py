"""Shots: the breakdown of a screenplay into coded, timed, seeded shots, and character consistency
in their prompts."""
