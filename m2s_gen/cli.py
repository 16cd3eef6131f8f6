"""The ``m2s`` command: a thin layer over :class:`m2s_gen.Upmixer`.

::

    m2s upmix song.flac -o song_stereo.wav --prompt "wide, mono bass" --seed 0
    m2s upmix album/ -o album_stereo/            # a folder in: a folder out, one model load
    m2s upmix song.flac -o song_haas.wav --baseline haas_mid
    m2s evaluate ...                              # evaluation.run
    m2s train ...                                 # training.train
    m2s serve [--model PATH] [--port 7860]        # m2s_gen.web.serve: the web page on 127.0.0.1

Errors are one line, ``m2s: error: PATH: problem``, with exit code 1 (2 for bad usage). In a batch
every file is tried; a summary lists the failures. Outputs are written through a temporary file and
a rename, so an interrupted run leaves finished outputs and no partial ones.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from . import __version__
from .audio_io import AudioFileError, output_format, read_audio, write_audio_atomic
from . import cli_live, streaming
from .streaming import sf_channels
from .sharding import local_device, parse_shard, shard_from_environment, take_shard

PROG = "m2s"
# the extensions a folder input is scanned for (anything libsndfile reads)
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc",
                            ".au", ".snd", ".caf", ".w64", ".rf64", ".wv"})
# subcommand -> (module, what it is): their remaining argv is forwarded to ``module.main(argv)``
FORWARDED = {"evaluate": ("evaluation.run", "score systems on evaluation clips"),
             "bounds": ("evaluation.bounds", "hindsight oracles of the metrics beside a quality bar"),
             "tradeoff": ("evaluation.tradeoff", "faithfulness against realism over sampler settings; picks the default"),
             "train": ("training.train", "train a model"),
             "serve": ("m2s_gen.web.serve", "a local web page to try the model (needs the web extra)")}
_MODEL_ONLY = ("prompt", "width_db", "bass_mono_hz", "band_width", "steps", "guidance", "temperature", "draws",
               "level_spread", "time_course", "hold_band_widths", "preset",
               "model")


class CliError(Exception):
    """A one-line error for the user; ``exit_code`` 1, or 2 for bad usage."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Job:
    source: Path
    target: Path


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Generative mono-to-stereo upmixing; the "
                                     "fold-down (L+R)/2 of every output is its input exactly.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    upmix = commands.add_parser("upmix", help="upmix mono audio files to stereo",
                                description="Upmix audio files to stereo WAV/FLAC at their own sample "
                                "rate. Stereo inputs are folded to mono (L+R)/2 first.")
    upmix.add_argument("inputs", nargs="+", type=Path, metavar="IN",
                       help="audio files (anything libsndfile reads) or folders of them")
    upmix.add_argument("-o", "--out", required=True, metavar="OUT",
                       help="output file (.wav or .flac) for one input; a folder for several inputs, a "
                       "folder input or an OUT ending in '/', where each output is named after its input (.wav)")
    style = upmix.add_argument_group("style (model only)")
    style.add_argument("--prompt", metavar="TEXT",
                       help='style words, e.g. "wide, mono bass" (see m2s_gen.prompts.VOCABULARY)')
    style.add_argument("--width-db", type=float, metavar="DB",
                       help="side-to-mid energy ratio in dB (music: about -15 narrow to -3 wide)")
    style.add_argument("--bass-mono-hz", type=float, metavar="HZ", help="remove the side below this frequency")
    style.add_argument("--band-width", type=_band_width, action="append", metavar="LOW_HZ:HIGH_HZ:DB",
                       help="side-to-mid ratio in dB of one frequency band, e.g. 4000:16000:-3 (repeatable)")
    style.add_argument("--steps", type=int, metavar="N", help="sampler steps (default: the model's)")
    style.add_argument("--guidance", type=float, metavar="G", help="guidance scale (default: the model's)")
    style.add_argument("--temperature", type=float, metavar="T",
                       help="0..2: how far a take may stray from the most typical image (default: the model's)")
    style.add_argument("--draws", type=int, metavar="K",
                       help="diffusion draws averaged into the take, 1..64: 1 is the most varied, more the most "
                            "plausible (default: the model's)")
    style.add_argument("--level-spread", type=float, metavar="S",
                       help="0..2: draw each take's band levels around the width head's prediction with S times "
                            "the spread of its errors on unseen music (0: the prediction; default: the model's)")
    style.add_argument("--time-course", type=float, metavar="C",
                       help="0..2: how far the width's movement within each band follows the one predicted from "
                            "the music's envelope (0: the sampled movement only; default: the model's)")
    style.add_argument("--hold-band-widths", type=float, metavar="H",
                       help="0..1: how far each band's width is held at the image's when its movement is rendered "
                            "(1: exactly; default: the model's)")
    style.add_argument("--preset", metavar="NAME",
                       help="named sampler settings: faithful (closest to the original on average) or natural "
                            "(most like real stereo), or one saved with the model; --draws/--temperature override it")
    upmix.add_argument("--seed", type=int, metavar="N", help="same seed, same output (default: random)")
    upmix.add_argument("--model", metavar="NAME_OR_PATH",
                       help="a saved model folder or a Hugging Face hub id (default: the bundled model)")
    upmix.add_argument("--device", default="cpu", help="torch device for the model (default: %(default)s)")
    upmix.add_argument("--baseline", metavar="NAME",
                       help="use a DSP baseline instead of the model (from m2s_gen.baselines.BASELINES)")
    upmix.add_argument("--overwrite", action="store_true", help="replace existing outputs (default: skip)")
    upmix.add_argument("--shard", metavar="K/N", help="process only every N-th file starting at K (0-based), to "
                       "split a catalogue between processes; under `accelerate launch` or torchrun the "
                       "default is RANK/WORLD_SIZE")

    cli_live.add_parsers(commands)  # m2s stream, m2s live
    for name, (module, text) in FORWARDED.items():
        sub = commands.add_parser(name, help=f"{text} (runs {module}; see m2s {name} --help)", add_help=False)
        sub.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _band_width(text: str) -> tuple[float, float, float]:
    try:
        low, high, width = (float(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW_HZ:HIGH_HZ:DB, e.g. 4000:16000:-3, got {text!r}") from None
    return low, high, width


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in FORWARDED:
        # before parsing, so that "m2s evaluate --help" reaches the evaluation's own parser
        return _forward(argv[0], argv[1:])
    args = get_parser().parse_args(argv)
    if args.command in cli_live.COMMANDS:
        return cli_live.run(args)
    try:
        return _upmix(args)
    except CliError as err:
        _say(f"{PROG}: error: {err}")
        return err.exit_code
    except KeyboardInterrupt:
        _say(f"{PROG}: interrupted; finished outputs are kept, unfinished ones were not written")
        return 130


# -- upmix ---------------------------------------------------------------------------------------
def _upmix(args: argparse.Namespace) -> int:
    # 1. check options before any file is touched or the model is loaded
    generate = _baseline(args) if args.baseline else None
    if generate is None:
        _check_model_options(args)
    # 2. plan: which input goes to which output, and this process's share of it
    try:
        index, count = parse_shard(args.shard) if args.shard else shard_from_environment()
    except ValueError as err:
        raise CliError(f"argument --shard: {err}", exit_code=2) from None
    args.device = local_device(args.device)
    jobs, failures = _plan(args.inputs, Path(args.out), folder=args.out.endswith(("/", os.sep)) or count > 1)
    if count > 1:
        jobs, failures = take_shard(jobs, index, count), take_shard(failures, index, count)
        _say(f"{PROG}: shard {index}/{count}: {len(jobs)} file(s)")
    todo, skipped = [], []
    for job in jobs:
        (skipped if job.target.exists() and not args.overwrite else todo).append(job)
    for job in skipped:
        _say(f"{PROG}: {job.target}: exists, skipped (--overwrite replaces it)")
    batch = len(jobs) + len(failures) > 1
    if batch:
        for message in failures:
            _say(f"{PROG}: error: {message}")
    elif failures:
        raise CliError(failures[0])
    # 3. load the model once for the batch
    if todo and generate is None:
        generate = _model(args, progress=not batch and sys.stderr.isatty())
    # 4. upmix, one file at a time: a bad file is reported and the others still run
    written = 0
    with tqdm(total=len(todo), unit="file", desc=PROG, disable=True if not batch else None) as bar:
        for job in todo:
            try:
                _run(job, generate)
            except CliError as err:
                if not batch:
                    raise
                failures.append(str(err))
                _say(f"{PROG}: error: {err}")
            else:
                written += 1
                tqdm.write(str(job.target), file=sys.stdout)
            bar.update(1)
    # 5. summary
    if batch:
        _say(f"{PROG}: {written} written, {len(skipped)} skipped, {len(failures)} failed")
        for message in failures:
            _say(f"  {message}")
    return 1 if failures else 0


def _check_model_options(args: argparse.Namespace) -> None:
    import torch

    from .pipeline import Upmixer
    from .prompts import parse_prompt

    try:
        if args.prompt:
            parse_prompt(args.prompt)
        Upmixer.check_inputs(torch.zeros(1), 48_000, args.width_db, args.steps, args.guidance,
                             args.bass_mono_hz, 1, args.temperature, args.draws, level_spread=args.level_spread,
                             time_course=args.time_course, hold_band_widths=args.hold_band_widths)
        Upmixer._check_band_widths(args.band_width)
    except ValueError as err:
        raise CliError(f"argument {_option_of(str(err))}: {err}", exit_code=2) from None
    try:
        device = torch.device(args.device)
    except RuntimeError as err:
        raise CliError(f"argument --device: {err}", exit_code=2) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CliError(f"argument --device: {args.device!r} asked for but no CUDA device is available", 2)


def _option_of(message: str) -> str:
    """The CLI option a pipeline ``ValueError`` is about (its message starts with the argument name)."""
    names = {"width_db": "--width-db", "num_steps": "--steps", "guidance_scale": "--guidance",
             "bass_mono_hz": "--bass-mono-hz", "temperature": "--temperature", "num_draws": "--draws", "band_widths_db": "--band-width", "prompt": "--prompt",
             "level_spread": "--level-spread", "time_course": "--time-course",
             "hold_band_widths": "--hold-band-widths", "preset": "--preset"}
    return next((flag for key, flag in names.items() if message.startswith(key)), "value")


def _baseline(args: argparse.Namespace):
    given = [f"--{name.replace('_', '-')}" for name in _MODEL_ONLY if getattr(args, name) is not None]
    if given:
        raise CliError(f"{', '.join(given)}: apply to the model, not to --baseline", exit_code=2)
    try:
        from .baselines import BASELINES
    except ImportError as err:
        raise CliError(f"--baseline: the baselines cannot be imported ({err})") from None
    if args.baseline not in BASELINES:
        raise CliError(f"argument --baseline: unknown {args.baseline!r}; choose from {', '.join(BASELINES)}", 2)
    fn = BASELINES[args.baseline]

    def generate(mono, sample_rate):
        import numpy as np

        stereo = np.asarray(fn(np.ascontiguousarray(mono, dtype=np.float32), sample_rate, args.seed or 0))
        if stereo.shape != (2, mono.shape[-1]) or not np.isfinite(stereo).all():
            raise ValueError(f"baseline {args.baseline!r} returned a bad result (shape {stereo.shape})")
        return stereo.astype(np.float32)

    return generate


def _model(args: argparse.Namespace, progress: bool):
    from .loading import ModelLoadError
    from .pipeline import Upmixer

    try:
        with warnings.catch_warnings():
            # torch's weight_norm deprecation, raised inside the encodec package: not the user's concern
            warnings.filterwarnings("ignore", message=".*weight_norm", category=FutureWarning)
            upmixer = Upmixer.from_pretrained(args.model, device=args.device)
    except ModelLoadError as err:
        raise CliError(str(err)) from None
    except RuntimeError as err:  # a device that torch has but this machine lacks, e.g. cuda:7
        raise CliError(f"--device {args.device}: {' '.join(str(err).split())}") from None
    if args.preset is not None:  # checked once the model is loaded: it may bring presets of its own
        from .presets import resolve

        try:
            resolve(args.preset, upmixer.config.presets)
        except ValueError as err:
            raise CliError(f"argument --preset: {err}", exit_code=2) from None
    options = dict(prompt=args.prompt, width_db=args.width_db, bass_mono_hz=args.bass_mono_hz,
                   band_widths_db=args.band_width, num_steps=args.steps, guidance_scale=args.guidance,
                   temperature=args.temperature, num_draws=args.draws, level_spread=args.level_spread,
                   time_course=args.time_course, hold_band_widths=args.hold_band_widths, preset=args.preset,
                   seed=args.seed,
                   progress=progress)

    def generate(mono, sample_rate):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the stereo fold-down notice is the CLI's own
            return upmixer(mono, sample_rate, **options).cpu().numpy()

    return generate


def _plan(inputs: list[Path], out: Path, folder: bool = False) -> tuple[list[Job], list[str]]:
    """(jobs, one message per input that cannot be used). A problem with ``out`` itself raises.
    ``folder``: ``out`` is a folder even for one input file."""
    several = len(inputs) > 1 or inputs[0].is_dir()
    if not several and not folder:
        source = inputs[0]
        target = out / f"{source.stem}.wav" if out.is_dir() else out
        _check_target(target)
        problem = _source_problem(source, target)
        return ([], [problem]) if problem else ([Job(source, target)], [])
    if out.exists() and not out.is_dir():
        raise CliError(f"{out}: not a folder (several inputs, or a folder input, need an output folder)")
    try:
        out.mkdir(exist_ok=True)
    except OSError as err:
        raise CliError(f"{out}: cannot create the output folder ({err.strerror})") from None
    if not os.access(out, os.W_OK):
        raise CliError(f"{out}: output folder is not writable")
    jobs, failures, claimed = [], [], {}
    for source in _expand(inputs, failures):
        target = out / f"{source.stem}.wav"
        problem = _source_problem(source, target)
        key = os.path.normcase(os.path.abspath(target))
        if not problem and key in claimed:
            problem = f"{source}: same output name as {claimed[key]} ({target})"
        if problem:
            failures.append(problem)
            continue
        claimed[key] = source
        jobs.append(Job(source, target))
    return jobs, failures


def _expand(inputs: list[Path], failures: list[str]) -> list[Path]:
    """Files stand for themselves; a folder for the audio files directly in it, sorted."""
    files = []
    for path in inputs:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith("."))
        if not found:
            failures.append(f"{path}: no audio files in this folder ({', '.join(sorted(AUDIO_SUFFIXES))})")
        files.extend(found)
    return files


def _check_target(target: Path) -> None:
    try:
        output_format(target)
    except AudioFileError as err:
        raise CliError(str(err)) from None
    folder = target.parent
    if not folder.is_dir():
        raise CliError(f"{target}: output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise CliError(f"{target}: output folder {folder} is not writable")


def _source_problem(source: Path, target: Path) -> str | None:
    if not source.exists():
        return f"{source}: no such file"
    if source.is_dir():
        return f"{source}: is a folder, not an audio file"
    if target.exists() and (target.resolve() == source.resolve() or os.path.samefile(target, source)):
        return f"{source}: the output would overwrite the input"
    return None


def _run(job: Job, generate) -> None:
    """Read, fold to mono, upmix, write atomically; every expected failure becomes a :class:`CliError`.
    Files longer than :data:`m2s_gen.streaming.CHUNK_S` go chunk by chunk, in bounded memory."""
    if streaming.is_long(job.source):
        channels = sf_channels(job.source)
        if channels > 1:
            _say(f"{PROG}: {job.source}: {channels}-channel input, folded to mono (the mean of its channels)")
        try:
            streaming.stream_upmix(job.source, job.target, lambda mono, rate, index: generate(mono, rate))
        except (AudioFileError, ValueError, OSError, RuntimeError) as err:
            raise CliError(_named(job.source, err)) from None
        return
    try:
        audio, rate = read_audio(job.source)
    except (AudioFileError, OSError) as err:
        raise CliError(_named(job.source, err)) from None
    if audio.shape[0] == 2:
        _say(f"{PROG}: {job.source}: stereo input, folded to mono (L+R)/2")
    elif audio.shape[0] > 2:
        _say(f"{PROG}: {job.source}: {audio.shape[0]}-channel input, folded to mono (the mean of its channels)")
    try:
        stereo = generate(audio.mean(0), rate)
    except (ValueError, OSError, RuntimeError) as err:  # RuntimeError: a baseline's missing program
        raise CliError(_named(job.source, err)) from None
    try:
        write_audio_atomic(job.target, stereo, rate)
    except (AudioFileError, OSError) as err:
        raise CliError(_named(job.target, err)) from None


def _named(path: Path, err: Exception) -> str:
    """``PATH: problem`` on one line, whatever the exception said."""
    text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    text = " ".join(text.split()) or type(err).__name__
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


# -- evaluate / train ------------------------------------------------------------------------------
def _forward(command: str, argv: list[str]) -> int:
    import importlib

    module_name = FORWARDED[command][0]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        ours = bool(err.name) and (module_name + ".").startswith(err.name + ".")  # not one of its imports
        _say(f"{PROG}: error: {command}: " + (f"{module_name} is not part of this install" if ours
                                               else f"{module_name} cannot be imported ({err})"))
        return 1
    result = module.main(argv)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
