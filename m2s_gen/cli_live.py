"""``m2s stream`` (raw PCM in a pipe) and ``m2s live`` (audio devices): the upmixer run live.

::

    ffmpeg -i song.flac -f f32le -ac 1 -ar 48000 - | m2s stream --rate 48000 | ffplay -f f32le -ar 48000 -ac 2 -
    m2s stream --info --rate 44100                 # the latency, in ms and frames
    m2s live --list-devices
    m2s live --input 2 --output 3 --block-ms 10

Nothing heavy is imported here at module level: ``m2s --help`` stays fast.
"""
from __future__ import annotations

import argparse
import os
import sys

COMMANDS = ("stream", "live")
FORMAT_CHOICES = ("f32le", "s16le")
READ_BLOCK_MS = 10.0
SWITCH_INTERVAL_S = 0.001


class LiveError(Exception):
    """A one-line error; ``exit_code`` 1, or 2 for bad usage."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def _controls(parser: argparse.ArgumentParser) -> None:
    style = parser.add_argument_group("style (as m2s upmix)")
    style.add_argument("--prompt", help='style words, e.g. "wide, mono bass"')
    style.add_argument("--width-db", type=float, metavar="DB", help="side-to-mid energy ratio to hold, dB")
    style.add_argument("--bass-mono-hz", type=float, metavar="HZ", help="keep the side empty below this frequency")
    style.add_argument("--preset", metavar="NAME", help="named sampler settings (faithful, natural, ...)")
    style.add_argument("--seed", type=int, metavar="N", help="same seed and input, same output (default: random)")
    style.add_argument("--model", metavar="NAME_OR_PATH", help="a saved model folder (default: the bundled model)")


def add_parsers(commands) -> None:
    """Add ``stream`` and ``live`` to the ``m2s`` sub-command parsers."""
    stream = commands.add_parser("stream", help="upmix raw mono PCM on stdin to raw stereo PCM on stdout, live",
                                 description="Upmix raw mono PCM from stdin to raw interleaved stereo PCM on "
                                             "stdout as it arrives. At the end of the input the tail is "
                                             "flushed: output frames = input frames + latency.")
    stream.add_argument("--rate", type=int, required=True, metavar="HZ", help="sample rate of the PCM")
    stream.add_argument("--format", choices=FORMAT_CHOICES, default="f32le",
                        help="sample format in and out (default: %(default)s)")
    stream.add_argument("--info", action="store_true", help="print the latency at --rate and exit")
    stream.add_argument("--wait", action="store_true",
                        help="let the model finish every image on time (reproducible output for files; "
                             "the output may pause); default: never wait, as live")
    _controls(stream)
    live = commands.add_parser("live", help="upmix an audio input device to an output device (PortAudio)",
                               description="Upmix a mono (or folded stereo) input device to a stereo output "
                                           "device until Ctrl-C; prints the over/underruns at the end.")
    live.add_argument("--list-devices", action="store_true", help="list the audio devices and exit")
    live.add_argument("--input", metavar="DEV", help="input device: index or part of its name (default: the system's)")
    live.add_argument("--output", metavar="DEV", help="output device: index or part of its name (default: the system's)")
    live.add_argument("--rate", type=int, metavar="HZ", help="sample rate (default: the input device's)")
    live.add_argument("--block-ms", type=float, default=10.0, metavar="MS",
                      help="audio block size, ms (default: %(default)s)")
    live.add_argument("--device-latency", default="0.1", metavar="low|high|SECONDS",
                      help="the devices' own buffering (PortAudio's suggested latency): 'low', 'high' or seconds; "
                           "raise it if underflows are counted, lower it to hear yourself sooner "
                           "(default: %(default)s s)")
    live.add_argument("--seconds", type=float, metavar="S", help="stop after this long (default: until Ctrl-C)")
    _controls(live)


def run(args: argparse.Namespace) -> int:
    try:
        return _stream(args) if args.command == "stream" else _live(args)
    except LiveError as err:
        print(f"m2s: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130


def _check_rate(rate: int) -> None:
    if not 1_000 <= rate <= 768_000:
        raise LiveError(f"argument --rate: must be in [1000, 768000] Hz, got {rate}", exit_code=2)


def _make_stream(args: argparse.Namespace, rate: int, realtime: bool):
    import torch

    from .pipeline import Upmixer

    torch.set_num_threads(1)  # the audio thread and the model share the cores with everything else
    if realtime:
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # the audio thread gets the interpreter back from the model's soon
    try:
        upmixer = Upmixer.from_pretrained(args.model)
        return upmixer.stream(rate, prompt=args.prompt, width_db=args.width_db, bass_mono_hz=args.bass_mono_hz,
                              preset=args.preset, seed=args.seed, realtime=realtime)
    except (ValueError, OSError) as err:
        raise LiveError(str(err), exit_code=2 if isinstance(err, ValueError) else 1) from None


# -- m2s stream ------------------------------------------------------------------------------------
def _stream(args: argparse.Namespace) -> int:
    _check_rate(args.rate)
    if args.info:
        from .live.stream import latency_samples

        frames = latency_samples(args.rate)
        print(f"latency: {1000 * frames / args.rate:.2f} ms ({frames} frames at {args.rate} Hz)")
        return 0
    import warnings

    from .live import pcm

    stream = _make_stream(args, args.rate, realtime=not args.wait)
    width = pcm.sample_bytes(args.format)
    chunk = max(1, int(args.rate * READ_BLOCK_MS / 1000)) * width
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    leftover = b""
    try:
        while True:
            data = stdin.read1(chunk) if hasattr(stdin, "read1") else os.read(stdin.fileno(), chunk)
            if not data:
                break
            data = leftover + data
            whole = len(data) - len(data) % width
            leftover = data[whole:]
            if whole:
                stdout.write(pcm.encode(stream.process(pcm.decode(data[:whole], args.format)), args.format))
                stdout.flush()
        stdout.write(pcm.encode(stream.flush(), args.format))
        stdout.flush()
    except BrokenPipeError:  # the reader went away (a player closed): nothing more to say
        stream.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if leftover:
        warnings.warn(f"the input ended inside a sample: {len(leftover)} trailing byte(s) dropped", stacklevel=1)
    if stream.late_images:
        print(f"m2s: {stream.late_images} image(s) came late (rendered with the previous one meanwhile)",
              file=sys.stderr)
    return 0


# -- m2s live --------------------------------------------------------------------------------------
def _sounddevice():
    try:
        import sounddevice
    except (OSError, ImportError) as err:  # OSError: the Python package is there, the PortAudio library is not
        raise LiveError(f"audio devices need the sounddevice package and the PortAudio library "
                        f"(Debian: apt-get install libportaudio2): {err}") from None
    return sounddevice


def _device(sd, spec: str | None, kind: str):
    """Index of the device ``spec`` (index or part of a name) of ``kind``, or the default one."""
    devices = sd.query_devices()
    key = "max_input_channels" if kind == "input" else "max_output_channels"
    usable = [k for k, d in enumerate(devices) if d[key] > 0]
    if not usable:
        raise LiveError(f"no audio {kind} device found (m2s live --list-devices; in a container or CI "
                        f"there is none: use m2s stream in a pipe)")
    if spec is None:
        default = sd.default.device[0 if kind == "input" else 1]
        return default if default in usable else usable[0]
    if spec.isdigit():
        if int(spec) not in usable:
            raise LiveError(f"argument --{kind}: no {kind} device {spec}; valid: {', '.join(map(str, usable))}",
                            exit_code=2)
        return int(spec)
    named = [k for k in usable if spec.lower() in devices[k]["name"].lower()]
    if len(named) != 1:
        choices = ", ".join(f"{k}: {devices[k]['name']}" for k in usable)
        problem = "no" if not named else "more than one"
        raise LiveError(f"argument --{kind}: {problem} {kind} device matches {spec!r}; valid: {choices}", exit_code=2)
    return named[0]


def _device_latency(text: str):
    """'low', 'high' or seconds (0 < s <= 2) -> what sounddevice takes."""
    if text in ("low", "high"):
        return text
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 2:
        raise LiveError(f"argument --device-latency: 'low', 'high' or seconds in (0, 2], got {text!r}", exit_code=2)
    return seconds


def _live(args: argparse.Namespace) -> int:
    device_latency = _device_latency(args.device_latency)
    sd = _sounddevice()
    if args.list_devices:
        devices = sd.query_devices()
        if len(devices) == 0:
            print("no audio devices found")
        else:
            print(devices)
        return 0
    if not 1 <= args.block_ms <= 1000:
        raise LiveError(f"argument --block-ms: must be in [1, 1000] ms, got {args.block_ms}", exit_code=2)
    source, sink = _device(sd, args.input, "input"), _device(sd, args.output, "output")
    rate = args.rate or int(sd.query_devices(source)["default_samplerate"])
    _check_rate(rate)
    channels_in = min(2, int(sd.query_devices(source)["max_input_channels"]))
    stream = _make_stream(args, rate, realtime=True)
    block = max(1, int(round(rate * args.block_ms / 1000)))
    counts = {"input overflows": 0, "output underflows": 0}
    scheduling: list[str] = []

    def callback(indata, outdata, frames, time_info, status):
        if not scheduling:  # the first call, in PortAudio's audio thread
            from .live.realtime import audio_thread_priority

            scheduling.append(audio_thread_priority())
        if status.input_overflow:
            counts["input overflows"] += 1
        if status.output_underflow:
            counts["output underflows"] += 1
        outdata[:] = stream.process(indata.mean(axis=1))

    import time

    print(f"m2s live: {rate} Hz, blocks of {block} frames, latency {1000 * stream.latency_samples / rate:.1f} ms "
          f"+ the devices'; Ctrl-C stops", file=sys.stderr)
    started = time.monotonic()
    try:
        with sd.Stream(device=(source, sink), samplerate=rate, blocksize=block, channels=(channels_in, 2),
                       dtype="float32", callback=callback, latency=device_latency) as devices:
            print(f"m2s live: device latency in / out {1000 * devices.latency[0]:.0f} / "
                  f"{1000 * devices.latency[1]:.0f} ms", file=sys.stderr)
            while args.seconds is None or time.monotonic() - started < args.seconds:
                time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    except sd.PortAudioError as err:
        raise LiveError(f"audio device: {err}") from None
    finally:
        stream.close()
    print(f"m2s live: {counts['input overflows']} input overflow(s), {counts['output underflows']} output "
          f"underflow(s), {stream.late_images} late image(s); audio thread: "
          f"{scheduling[0] if scheduling else 'never called'}", file=sys.stderr)
    return 0
