"""Deterministic synthetic annual reports, with the truth beside each file.

``generate(n, out_dir, seed, carriers, mess)`` writes reports in any carrier
(txt, html, docx, xlsx, pdf) at a mess level 0–3; ``main`` is the
``gongkai synth`` command. See ``generate.py`` for the order of work (truth →
mess → document model → carrier) and ``mess.py`` for what each level adds.
"""

from gongkai.synth.cli import main
from gongkai.synth.generate import CARRIERS, generate, make_report, render_report

__all__ = ["CARRIERS", "generate", "main", "make_report", "render_report"]
