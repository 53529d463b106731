"""``python -m neurocore`` runs the command-line interface."""

from neurocore.cli import main

raise SystemExit(main())
