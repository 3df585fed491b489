"""`python -m film_assets.cli ...`: the same as the `filmstudio` command."""

import sys

from film_assets.cli.main import main

sys.exit(main())
