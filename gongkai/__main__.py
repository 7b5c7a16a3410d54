"""``python -m gongkai`` is the ``gongkai`` command, for environments without the console script."""

from gongkai.cli import main

raise SystemExit(main())
