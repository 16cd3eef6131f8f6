"""The web page (``m2s serve``, ``app.py``): upmix a file, A/B players, plots, downloads, a blind test.

Needs the ``web`` extra (gradio). Only :mod:`.ui` and :mod:`.serve` touch gradio; the rest is plain
functions the tests call directly.
"""
from .settings import WebSettings

__all__ = ["WebSettings"]
