"""Alembic migrations of the review tables (film_assets/review/database.py runs them)."""
