"""The m2s-gen web page for a Hugging Face Space (or ``python app.py``): the same page as ``m2s serve``.

A Space runs this file and tells it where to listen through ``GRADIO_SERVER_NAME`` and
``GRADIO_SERVER_PORT``; anywhere else it listens on 127.0.0.1:7860 only. ``M2S_MODEL`` names another
model (a folder or a hub id), and the limits come from ``M2S_WEB_MAX_UPLOAD_MB``,
``M2S_WEB_MAX_DURATION_S``, ``M2S_WEB_MAX_TAKES`` (see SECURITY.md). Options given on the command line
(``python app.py --port 8000``) win.
"""
from __future__ import annotations

import os
import sys

from m2s_gen.web.serve import DEFAULT_HOST, DEFAULT_PORT, main


def space_argv(environ=os.environ) -> list[str]:
    """``m2s serve`` options from the environment a Space provides."""
    argv = ["--host", environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST,
            "--port", environ.get("GRADIO_SERVER_PORT") or str(DEFAULT_PORT)]
    if environ.get("M2S_MODEL"):
        argv += ["--model", environ["M2S_MODEL"]]
    return argv


if __name__ == "__main__":
    sys.exit(main(space_argv() + sys.argv[1:]))
