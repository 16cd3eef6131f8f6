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
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from . import __version__
from .audio_io import AudioFileError
from . import cli_live, streaming
from .media.formats import (AUDIO_READ, AUDIO_WRITE, FORMAT_CHOICES, VIDEO_AUDIO_CODECS, VIDEO_READ, VIDEO_WRITE,
                            FLAC_SUBTYPES, WAV_SUBTYPES, FormatError, check_output, default_output_suffix,
                            parse_bitrate)
from .sharding import local_device, parse_shard, shard_from_environment, take_shard

PROG = "m2s"
# files a folder input names as errors when they cannot be read (others are only listed as not processed)
MEDIA_SUFFIXES = frozenset(AUDIO_READ + VIDEO_READ)
#: Entry-point group of the commands that live outside this module (``pyproject.toml``): each is a
#: ``main(argv)`` that gets the rest of the command line. The library itself imports none of them.
COMMAND_GROUP = "m2s.commands"
#: How long torch's OpenMP threads spin at a barrier before they sleep (GOMP_SPINCOUNT; libgomp's default is
#: 300000). ``m2s upmix`` encodes beside the model: on a machine with few cores a spinning thread holds the
#: core the encoder needs. With this value an MP3 output added 11% to the upmix's wall time instead of 18%,
#: and the upmix to a WAV was no slower (BENCHMARKS.md). A value set by the user is kept.
UPMIX_SPIN_COUNT = "10000"
#: One line of help for the ones this project installs; any other entry point is listed by name.
COMMAND_HELP = {"evaluate": "score systems on evaluation clips (the eval extra)",
                "bounds": "hindsight oracles of the metrics beside a quality bar (the eval extra)",
                "tradeoff": "faithfulness against realism over sampler settings; picks the default (the eval extra)",
                "train": "train a model (the train extra)",
                "serve": "a local web page to try the model (the web extra)"}


def forwarded_commands() -> dict:
    """Name -> entry point of every installed ``m2s`` command outside this module."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=COMMAND_GROUP)}
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
    duration_s: float | None = None


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Generative mono-to-stereo upmixing; the "
                                     "fold-down (L+R)/2 of every output is its input exactly.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    upmix = commands.add_parser(
        "upmix", help="upmix mono audio or video files to stereo", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Upmix audio files, or the audio of video files, to stereo at their own sample rate. Stereo "
        "inputs are folded to mono (L+R)/2 first.\n\n"
        "reads: anything FFmpeg reads, e.g. " + " ".join(AUDIO_READ) + "\n"
        "       and the audio of videos: " + " ".join(VIDEO_READ) + "\n"
        "writes: " + ", ".join(f"{s} ({_describe(s)})" for s in AUDIO_WRITE) + "\n"
        "        video " + " ".join(VIDEO_WRITE) + ": every video, subtitle and data stream copied as it is, the "
        "chosen audio stream replaced by the stereo, in the input stream's own codec where the container takes "
        "it, else AAC (Opus in .webm); --audio-codec chooses")
    upmix.add_argument("inputs", nargs="+", type=Path, metavar="IN",
                       help="media files (anything FFmpeg reads) or folders of them")
    upmix.add_argument("-o", "--out", required=True, metavar="OUT",
                       help="output file for one input, its format from its extension; a folder for several "
                       "inputs, a folder input or an OUT ending in '/', where each output is named after its input "
                       "and keeps its format (see --format)")
    media = upmix.add_argument_group("files")
    media.add_argument("--format", choices=FORMAT_CHOICES, metavar="EXT",
                       help=f"format of folder outputs: {', '.join(FORMAT_CHOICES)} (default: the input's own; "
                       "lossless formats not written go to flac, lossy ones to m4a, other videos to mkv)")
    media.add_argument("--bitrate", type=_bitrate, metavar="RATE",
                       help="lossy outputs, e.g. 192k (default: mp3 320k, m4a/aac 256k, opus 192k, ogg 224k; "
                       "in a video also ac3 448k, eac3 384k)")
    media.add_argument("--subtype", type=str.upper, metavar="TYPE",
                       help=f"sample type: .wav {'/'.join(WAV_SUBTYPES)} (default FLOAT), "
                       f".flac {'/'.join(FLAC_SUBTYPES)} (default PCM_24)")
    media.add_argument("--audio-stream", type=int, metavar="N",
                       help="which audio stream of the input to upmix, 0-based among its audio streams (default: 0)")
    media.add_argument("--audio-codec", choices=tuple(VIDEO_AUDIO_CODECS), metavar="CODEC",
                       help="video outputs: the stereo's codec, one of " + ", ".join(VIDEO_AUDIO_CODECS)
                       + " (default: the input stream's own where the container takes it, else aac; opus in "
                       ".webm). ac3/eac3 encode about ten times faster than aac; flac/alac are lossless, pcm "
                       "uncompressed (24-bit, .mov and .mkv)")
    media.add_argument("--keep-original-audio", action="store_true",
                       help="video outputs: keep the replaced audio stream as a second track")
    media.add_argument("--gain-db", type=float, default=0.0, metavar="DB",
                       help="scale the input by DB before the upmix (the fold-down is then the scaled input); "
                       "use a negative value for inputs that peak above full scale")
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
    for name, entry in sorted(forwarded_commands().items()):
        text = COMMAND_HELP.get(name, f"runs {entry.value}")
        sub = commands.add_parser(name, help=f"{text}; see m2s {name} --help", add_help=False)
        sub.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _describe(suffix: str) -> str:
    spec = AUDIO_WRITE[suffix]
    names = {".wav": "32-bit float, or --subtype", ".flac": "24-bit", ".mp3": "MP3", ".m4a": "AAC",
             ".opus": "Opus", ".ogg": "Vorbis"}
    return names[suffix] + (f" {spec.default_kbps}k" if spec.default_kbps else "")


def _bitrate(text: str) -> int:
    try:
        return parse_bitrate(text)
    except FormatError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--bitrate: ")) from None


def _band_width(text: str) -> tuple[float, float, float]:
    try:
        low, high, width = (float(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW_HZ:HIGH_HZ:DB, e.g. 4000:16000:-3, got {text!r}") from None
    return low, high, width


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and argv[0] != "upmix":
        entry = forwarded_commands().get(argv[0])
        if entry is not None:
            # before parsing, so that "m2s evaluate --help" reaches the evaluation's own parser
            return _forward(argv[0], entry, argv[1:])
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
    os.environ.setdefault("GOMP_SPINCOUNT", UPMIX_SPIN_COUNT)  # read when torch is first imported
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
    options = _media_options(args)
    ignored: list[str] = []
    jobs, failures = _plan(args.inputs, Path(args.out), folder=args.out.endswith(("/", os.sep)) or count > 1,
                           fmt=args.format, options=options, ignored=ignored)
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
        generate = _model(args)
    # 4. upmix, one file at a time: a bad file is reported and the others still run
    written = 0
    terminal = sys.stderr.isatty()
    with tqdm(total=len(todo), unit="file", desc=PROG, disable=True if not batch else None) as bar:
        for number, job in enumerate(todo, 1):
            started = time.monotonic()
            try:
                result = _run(job, generate, options, progress=terminal and not batch)
            except CliError as err:
                if not batch:
                    raise
                failures.append(str(err))
                _say(f"{PROG}: error: {err}")
            else:
                written += 1
                tqdm.write(str(job.target), file=sys.stdout)
                if batch and not terminal:  # a log, one line per file
                    _say(f"{PROG}: [{number}/{len(todo)}] {job.source} -> {job.target} ({result.duration_s:.1f} s "
                         f"of audio in {time.monotonic() - started:.1f} s)")
            bar.update(1)
    # 5. summary
    if batch:
        _say(f"{PROG}: {written} written, {len(skipped)} skipped, {len(failures)} failed"
             + (f", {len(ignored)} not media" if ignored else ""))
        for message in failures:
            _say(f"  {message}")
        for message in ignored:
            _say(f"  not processed: {message}")
    return 1 if failures else 0


def _media_options(args: argparse.Namespace):
    from .media.job import MediaOptions

    options = MediaOptions(audio_stream=args.audio_stream, bit_rate=args.bitrate, subtype=args.subtype,
                           gain_db=args.gain_db, keep_original_audio=args.keep_original_audio,
                           audio_codec=args.audio_codec)
    if args.audio_stream is not None and args.audio_stream < 0:
        raise CliError(f"argument --audio-stream: must be 0 or more, got {args.audio_stream}", exit_code=2)
    if args.subtype is not None and args.subtype not in set(WAV_SUBTYPES) | set(FLAC_SUBTYPES):
        raise CliError(f"argument --subtype: unknown {args.subtype!r}; choose from "
                       f"{', '.join(WAV_SUBTYPES)} (.wav) or {', '.join(FLAC_SUBTYPES)} (.flac)", exit_code=2)
    if not -60 <= args.gain_db <= 60:
        raise CliError(f"argument --gain-db: {args.gain_db:g} is outside -60..60", exit_code=2)
    return options


#: the option of each setting the library checks (SettingError.name)
OPTION_OF_SETTING = {"width_db": "--width-db", "num_steps": "--steps", "guidance_scale": "--guidance",
                     "bass_mono_hz": "--bass-mono-hz", "temperature": "--temperature", "num_draws": "--draws",
                     "band_widths_db": "--band-width", "prompt": "--prompt", "level_spread": "--level-spread",
                     "time_course": "--time-course", "hold_band_widths": "--hold-band-widths", "preset": "--preset"}


def _sampler_settings(args: argparse.Namespace):
    from .sampler_settings import SamplerSettings

    return SamplerSettings(num_steps=args.steps, guidance_scale=args.guidance, temperature=args.temperature,
                           num_draws=args.draws, level_spread=args.level_spread, time_course=args.time_course,
                           hold_band_widths=args.hold_band_widths)


def _check_model_options(args: argparse.Namespace) -> None:
    """The model's options, checked without loading torch (the device is checked with the model)."""
    from .controls import check_band_widths, check_controls
    from .prompts import parse_prompt
    from .sampler_settings import SettingError

    try:
        if args.prompt:
            try:
                parse_prompt(args.prompt)
            except ValueError as err:  # its message starts with "prompt:"
                raise CliError(f"argument --prompt: {err}", exit_code=2) from None
        check_controls(args.width_db, args.bass_mono_hz)
        _sampler_settings(args).check()
        check_band_widths(args.band_width)
    except SettingError as err:
        raise CliError(f"argument {OPTION_OF_SETTING.get(err.name, err.name)}: {err}", exit_code=2) from None


def _check_device(device_name: str) -> None:
    import torch

    try:
        device = torch.device(device_name)
    except RuntimeError as err:
        raise CliError(f"argument --device: {err}", exit_code=2) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CliError(f"argument --device: {device_name!r} asked for but no CUDA device is available", 2)


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

    def generate(mono, sample_rate, progress=False):
        import numpy as np

        stereo = np.asarray(fn(np.ascontiguousarray(mono, dtype=np.float32), sample_rate, args.seed or 0))
        if stereo.shape != (2, mono.shape[-1]) or not np.isfinite(stereo).all():
            raise ValueError(f"baseline {args.baseline!r} returned a bad result (shape {stereo.shape})")
        return stereo.astype(np.float32)

    return generate


def _model(args: argparse.Namespace):
    _check_device(args.device)
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
                   band_widths_db=args.band_width, settings=_sampler_settings(args), preset=args.preset,
                   seed=args.seed)

    def generate(mono, sample_rate, progress=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the stereo fold-down notice is the CLI's own
            return upmixer(mono, sample_rate, progress=progress, **options).cpu().numpy()

    return generate


def _plan(inputs: list[Path], out: Path, folder: bool = False, fmt: str | None = None, options=None,
          ignored: list[str] | None = None) -> tuple[list[Job], list[str]]:
    """(jobs, one message per input that cannot be used). A problem with ``out`` itself raises.
    ``folder``: ``out`` is a folder even for one input file. Folder inputs' files that are not media are
    added to ``ignored`` with the reason."""
    from .media.job import MediaOptions

    options = options or MediaOptions()
    ignored = [] if ignored is None else ignored
    several = len(inputs) > 1 or inputs[0].is_dir()
    if not several and not folder:
        source = inputs[0]
        target = out / _output_name(source, fmt)[0] if out.is_dir() else out
        _check_target(target, options)
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
    if fmt is not None:
        _check_target(out / f"x.{fmt}", options)
    jobs, failures, claimed = [], [], {}
    for source, scanned in _expand(inputs, failures):
        name, problem = _output_name(source, fmt)
        if problem and scanned and source.suffix.lower() not in MEDIA_SUFFIXES:
            ignored.append(problem)
            continue
        target = out / name
        problem = problem or _source_problem(source, target)
        if not problem:
            try:
                check_options_for(target, options)
            except FormatError as err:
                problem = f"{source}: {err}"
        key = os.path.normcase(os.path.abspath(target))
        if not problem and key in claimed:
            problem = f"{source}: same output name as {claimed[key]} ({target})"
        if problem:
            failures.append(problem)
            continue
        claimed[key] = source
        jobs.append(Job(source, target))
    return jobs, failures


def check_options_for(target: Path, options) -> None:
    from .media.job import check_options

    check_options(target, options)


def _output_name(source: Path, fmt: str | None) -> tuple[str, str | None]:
    """(output file name, problem or None): ``--format``'s extension, else the input's own where it is
    written, else one chosen by what the input holds."""
    if fmt is not None:
        return f"{source.stem}.{fmt}", None
    if source.suffix.lower() in AUDIO_WRITE or source.suffix.lower() in VIDEO_WRITE:
        return source.name, None
    if not source.is_file():
        return f"{source.stem}.wav", None  # the run reports the problem
    from .media.probe import probe

    try:
        info = probe(source)
    except AudioFileError as err:
        return f"{source.stem}.wav", str(err)
    suffix = default_output_suffix(source.suffix, info.has_video, info.audio[0].lossless)
    if suffix in VIDEO_WRITE:
        from .media.remux import holds_codecs

        if not holds_codecs(VIDEO_WRITE[suffix].container, info.video_codecs):  # e.g. Flash video: its audio
            suffix = default_output_suffix(source.suffix, False, info.audio[0].lossless)
    return f"{source.stem}{suffix}", None


def _expand(inputs: list[Path], failures: list[str]) -> list[tuple[Path, bool]]:
    """(file, found in a folder): files stand for themselves; a folder for the files directly in it
    (hidden ones left out), sorted."""
    files = []
    for path in inputs:
        if not path.is_dir():
            files.append((path, False))
            continue
        found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        usable = [p for p in found if p.suffix.lower() in MEDIA_SUFFIXES or _has_audio(p)]
        if not usable:
            failures.append(f"{path}: no audio files in this folder (nothing FFmpeg reads with an audio stream)")
            continue
        files.extend((p, True) for p in found)
    return files


def _has_audio(path: Path) -> bool:
    from .media.probe import probe

    try:
        probe(path)
    except AudioFileError:
        return False
    return True


def _check_target(target: Path, options) -> None:
    try:
        check_options_for(target, options)
    except FormatError as err:
        raise CliError(str(err), exit_code=1) from None
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


def _run(job: Job, generate, options, progress: bool = False):
    """Decode, fold to mono, upmix chunk by chunk, write (or remux) atomically; every expected failure
    becomes a :class:`CliError`. ``progress``: a bar on the terminal (the model's own for a file of one
    chunk, else one in seconds of audio with its ETA)."""
    from .media.job import upmix_media

    state = {"chunks": None}

    def bar(total_s):
        if not progress:
            return None
        one_chunk = total_s is not None and total_s <= streaming.CHUNK_S
        state["chunks"] = "one" if one_chunk else "many"
        if one_chunk:
            return None
        return tqdm(total=round(total_s, 1) if total_s else None, unit="s", unit_scale=False, desc=job.source.name,
                    file=sys.stderr, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s of audio "
                    "[{elapsed}<{remaining}]")

    def chunk(mono, rate, index):
        return generate(mono, rate, progress=state["chunks"] == "one")

    try:
        return upmix_media(job.source, job.target, chunk, options, say=lambda text: _say(f"{PROG}: {text}"),
                           progress=bar)
    except FormatError as err:
        raise CliError(str(err)) from None
    except (AudioFileError, ValueError, OSError, RuntimeError) as err:  # RuntimeError: a baseline's program
        about_output = str(err).startswith(f"{job.target}: ")
        raise CliError(_named(job.target if about_output else job.source, err)) from None


def _named(path: Path, err: Exception) -> str:
    """``PATH: problem`` on one line, whatever the exception said."""
    text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    text = " ".join(text.split()) or type(err).__name__
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


# -- evaluate / train ------------------------------------------------------------------------------
def _forward(command: str, entry, argv: list[str]) -> int:
    module_name = entry.value.split(":")[0]
    try:
        main_of_command = entry.load()
    except ImportError as err:
        ours = bool(err.name) and (module_name + ".").startswith(err.name + ".")  # not one of its imports
        _say(f"{PROG}: error: {command}: " + (f"{module_name} is not part of this install" if ours
                                               else f"{module_name} cannot be imported ({err}); "
                                               f"install the extra it needs (pip install 'm2s-gen[all]')"))
        return 1
    result = main_of_command(argv)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
