"""The `filmstudio` command: main.py holds the parser, reporting.py what every command shares (exit
codes, progress lines, run-and-report), and one module per command group adds its sub-commands."""
