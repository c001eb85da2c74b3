"""`python -m srcscan` runs the command line."""

from srcscan.cli import main

main()
