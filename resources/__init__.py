"""Dagster resources with swappable implementations: where media lives, how keyframes are drawn,
and the environment profiles that choose them."""
