"""``m2s serve``: the web page on this machine, offline, with the bundled model by default.

::

    m2s serve                                   # http://127.0.0.1:7860
    m2s serve --model path/to/model --port 8000 --max-duration-s 300
    m2s serve --host 0.0.0.0                    # other machines may reach it: see SECURITY.md

Limits may also come from ``M2S_WEB_MAX_UPLOAD_MB``, ``M2S_WEB_MAX_DURATION_S``, ``M2S_WEB_MAX_TAKES``,
``M2S_WEB_BASELINE`` and ``M2S_WEB_RESULTS_DIR``; options win. Per-visitor files and gradio's upload
cache live in one temporary folder, removed when the server stops (Ctrl-C or SIGTERM).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import warnings
from pathlib import Path

PROG = "m2s serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# no telemetry, version checks or hub calls from a page that promises to work offline
OFFLINE_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="A local web page to try the upmixer: A/B "
                                     "players, goniometer and width plots, downloads and a blind test.")
    parser.add_argument("--model", metavar="NAME_OR_PATH",
                        help="a saved model folder or a Hugging Face hub id (default: the bundled model)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default: %(default)s, this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    parser.add_argument("--device", default="cpu", help="torch device for the model (default: %(default)s)")
    limits = parser.add_argument_group("limits (default: M2S_WEB_* environment variables, then built-in)")
    limits.add_argument("--max-upload-mb", type=float, metavar="MB", help="largest upload (default 200)")
    limits.add_argument("--max-duration-s", type=float, metavar="S", help="longest audio (default 600)")
    limits.add_argument("--max-takes", type=int, metavar="N", help="most takes per upmix, 1..8 (default 4)")
    parser.add_argument("--baseline", metavar="NAME", help="DSP baseline beside the model (default freq_decorrelator)")
    parser.add_argument("--results-dir", type=Path, metavar="DIR",
                        help="also keep every blind test's results (JSON, CSV) in this folder on the server")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = get_parser().parse_args(argv)
    if not 0 < args.port < 65536:
        return _error(f"argument --port: must be in 1..65535, got {args.port}", 2)
    from .settings import WebSettings

    try:
        settings = WebSettings.from_env(max_upload_mb=args.max_upload_mb, max_duration_s=args.max_duration_s,
                                        max_takes=args.max_takes, baseline=args.baseline, results_dir=args.results_dir)
    except ValueError as err:
        return _error(_as_option(str(err), args), 2)
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    root = Path(tempfile.mkdtemp(prefix="m2s-web-"))
    # gradio reads its cache folder when it is imported: set it first, so uploads land in our folder
    os.environ.setdefault("GRADIO_TEMP_DIR", str(root / "gradio"))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _serve(args, settings, root)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before the page was up: a stop as asked
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(root, ignore_errors=True)


def _serve(args: argparse.Namespace, settings, root: Path) -> int:
    try:
        import gradio  # noqa: F401
    except ImportError as err:
        return _error(f"the web page needs gradio ({err}): pip install 'm2s-gen[web]'")
    from m2s_gen.loading import ModelLoadError
    from m2s_gen.pipeline import Upmixer

    from .ui import CSS, build_app

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*weight_norm", category=FutureWarning)
            upmixer = Upmixer.from_pretrained(args.model, device=args.device)
    except ModelLoadError as err:
        return _error(str(err))
    except RuntimeError as err:
        return _error(f"--device {args.device}: {' '.join(str(err).split())}")
    model_name = f"the model {Path(args.model).name}" if args.model else "the bundled model"
    demo = build_app(upmixer, settings, root, model_name=model_name)
    demo.queue(default_concurrency_limit=1, max_size=32)  # one upmix at a time; the others wait their turn
    try:
        # blocks until Ctrl-C or SIGTERM, which gradio's wait loop turns into a clean close
        demo.launch(server_name=args.host, server_port=args.port, share=False, inbrowser=False,
                    max_file_size=settings.max_upload_bytes, ssr_mode=False, pwa=False, mcp_server=False,
                    footer_links=["gradio", "settings"], css=CSS)
    except OSError as err:  # the port is taken, or the address is not this machine's
        reason = " ".join(str(err).split()).split(". ")[0].rstrip(".")  # without gradio's advice on other options
        return _error(f"cannot listen on {args.host}:{args.port} ({reason})")
    except KeyboardInterrupt:  # a stop that came while launch() was still starting
        demo.close()
    return 0


def _as_option(message: str, args: argparse.Namespace) -> str:
    """A settings error about a value given on the command line, worded as argparse would."""
    name = message.split(" ", 1)[0].rstrip(":")
    if getattr(args, name, None) is not None:
        return f"argument --{name.replace('_', '-')}: {message}"
    return message


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # gradio's wait loop closes the server on it; main's finally cleans up


def _error(message: str, code: int = 1) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
