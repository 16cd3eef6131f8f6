"""The library stands alone: it imports neither the evaluation nor the training code, and the command
line answers --help without loading torch."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_library_source_imports_no_evaluation_or_training():
    offenders = [f"{path.relative_to(REPO)}: {name}" for path in (REPO / "m2s_gen").rglob("*.py")
                 for name in _imported_modules(path) if name.split(".")[0] in {"evaluation", "training"}]
    assert offenders == []


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_library_imports_with_evaluation_and_training_missing():
    code = ("import sys; sys.modules['evaluation'] = None; sys.modules['training'] = None\n"
            "import m2s_gen.cli, m2s_gen.pipeline, m2s_gen.web.plots, m2s_gen.web.upmix\n"
            "from m2s_gen import Upmixer, SamplerSettings\nprint('ok')")
    assert _run(code).strip() == "ok"


def test_help_does_not_import_torch():
    code = ("import sys\nfrom m2s_gen import cli\n"
            "for argv in (['--help'], ['upmix', '--help']):\n"
            "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    assert _run(code).strip().endswith("NO-TORCH")


def test_loading_the_model_prints_no_library_warnings(tiny_model_dir):
    code = ("import warnings; warnings.simplefilter('always')\n"
            f"from m2s_gen import Upmixer\nUpmixer.from_pretrained({str(tiny_model_dir)!r})\nprint('loaded')")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.strip() == "loaded" and done.stderr == "", done.stderr


def test_an_argument_error_does_not_import_torch(tmp_path):
    code = ("import sys\nfrom m2s_gen import cli\n"
            f"code = cli.main(['upmix', {str(tmp_path / 'a.wav')!r}, '-o', {str(tmp_path / 'b.wav')!r}, "
            "'--width-db', '99'])\n"
            "print(code, 'TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    assert _run(code).split() == ["2", "NO-TORCH"]
