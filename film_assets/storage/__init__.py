"""What is kept in the media store for a project: its submission (screenplay, settings, seeds) and
every shot's versions with their history. The keys themselves are film_assets/storage_keys.py."""
