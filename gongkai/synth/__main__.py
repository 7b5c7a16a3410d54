"""``python -m gongkai.synth`` is ``gongkai synth``."""

from gongkai.synth.cli import main

raise SystemExit(main())
