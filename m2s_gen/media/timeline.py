"""Keeping decoded audio on its own timeline: a stream whose timestamps jump (a TV capture with dropped
packets, a recording paused and resumed) plays with silence in the hole, and a player keeps it in sync with
the picture. The upmix is written as one contiguous stream from the first sample, so the hole is filled
with silence here, and audio that overlaps what came before is dropped; otherwise everything after a jump
would play early or late against the video.

Timestamps are only trusted past :data:`TOLERANCE_S` (containers round them, e.g. Matroska to the
millisecond). A jump of more than :data:`DISCONTINUITY_S` backwards, or forwards in a container whose
timestamps may restart (MPEG-TS and MPEG-PS: concatenated recordings), is a discontinuity: the audio
goes on from where it was, as FFmpeg's own tools treat it. In those containers so is a jump backwards
of more than :data:`RESTART_BACK_S` (no recording overlaps itself by that much), and in any container a
jump forwards past the stream's length (a damaged timestamp, which would otherwise be hours of silence).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import av

TOLERANCE_S = 0.02
DISCONTINUITY_S = 10.0
RESTART_BACK_S = 1.0


def may_restart(container) -> bool:
    """True for an open container whose timestamps may restart midway (MPEG-TS, MPEG-PS: FFmpeg's
    "discontinuous timestamps" formats)."""
    return bool(container.format.flags & av.format.Flags.ts_discont.value)


@dataclass
class TimelineReport:
    """What was done to keep the stream on its timeline and in one shape, in seconds of the stream."""
    filled: list[tuple[float, float]] = field(default_factory=list)  # (where, how long) silence was added
    dropped: list[tuple[float, float]] = field(default_factory=list)  # (where, how long) overlap was cut
    discontinuities: list[float] = field(default_factory=list)  # where the timestamps restarted
    changes: list[tuple[float, int, int]] = field(default_factory=list)  # (where, channels, rate) a part began

    def notices(self, name: str) -> list[str]:
        """One line per kind of repair, for the user."""
        lines = []
        for what, items, verb in (("gap", self.filled, "filled with silence"),
                                  ("overlap", self.dropped, "dropped")):
            if items:
                total = sum(seconds for _, seconds in items)
                where = ", ".join(f"{at:.1f} s" for at, _ in items[:3]) + (", ..." if len(items) > 3 else "")
                plural = "s" if len(items) > 1 else ""
                lines.append(f"{name}: {len(items)} {what}{plural} in the audio's timestamps ({total:.3f} s in "
                             f"all, at {where}) {verb} to keep it in sync")
        if self.discontinuities:
            where = ", ".join(f"{at:.1f} s" for at in self.discontinuities[:3])
            lines.append(f"{name}: the audio's timestamps restart at {where}: the audio goes on without a gap")
        for at_s, channels, rate in self.changes[:3]:
            lines.append(f"{name}: from {at_s:.1f} s the audio has {channels} channel{'s' if channels > 1 else ''} "
                         f"at {rate} Hz: converted to the first part's")
        return lines


class Timeline:
    """Places decoded frames at ``rate`` samples a second: :meth:`place` takes a frame's start in seconds
    (None: it follows the previous frame) and its length in samples, and returns ``(silence, skip)``: the
    samples of silence to put before the frame, and how many of its first samples to drop."""

    def __init__(self, rate: int, restarts: bool = False, report: TimelineReport | None = None,
                 length_s: float | None = None):
        self.rate = int(rate)
        self.restarts = restarts  # the container's timestamps may restart (MPEG-TS, MPEG-PS)
        self.length_s = length_s  # the stream's (or file's) duration, when known
        self.origin_s: float | None = None
        self.position = 0  # samples placed so far, silence included
        self.skip_left = 0  # samples of an overlap still to drop from the next frames
        self.report = report if report is not None else TimelineReport()

    def place(self, start_s: float | None, length: int) -> tuple[int, int]:
        if self.skip_left:  # an overlap longer than the frames before: drop on
            silence, skip, continued = 0, self.skip_left, True
        else:
            (silence, skip), continued = self._repair(start_s), False
        drop = min(skip, length)
        self.skip_left = skip - drop
        if drop:
            if continued:
                at_s, seconds = self.report.dropped[-1]
                self.report.dropped[-1] = (at_s, seconds + drop / self.rate)
            else:
                self.report.dropped.append((self.position / self.rate, drop / self.rate))
        self.position += silence + length - drop
        return silence, drop

    def _repair(self, start_s: float | None) -> tuple[int, int]:
        if start_s is None:
            return 0, 0
        if self.origin_s is None:
            self.origin_s = start_s
            return 0, 0
        here_s = self.position / self.rate
        drift_s = (start_s - self.origin_s) - here_s
        past_the_end = self.length_s is not None and start_s - self.origin_s > self.length_s + DISCONTINUITY_S
        back_limit_s = RESTART_BACK_S if self.restarts else DISCONTINUITY_S
        if drift_s < -back_limit_s or (drift_s > DISCONTINUITY_S and (self.restarts or past_the_end)):
            self.origin_s += drift_s  # go on from here: the next frames follow this one's timestamps
            self.report.discontinuities.append(here_s)
            return 0, 0
        if drift_s > TOLERANCE_S:
            silence = int(round(drift_s * self.rate))
            self.report.filled.append((here_s, silence / self.rate))
            return silence, 0
        if drift_s < -TOLERANCE_S:
            return 0, int(round(-drift_s * self.rate))
        return 0, 0


class ContinuousPackets:
    """The copied streams of a video across restarts of its timestamps (MPEG-TS or MPEG-PS recordings
    joined end to end), as the audio's :class:`Timeline` goes on: one offset for the whole file, moved
    when a stream's timestamps jump by more than a restart's threshold, so that the output's timestamps
    only ever go forwards. :meth:`correct` shifts a packet in place and returns its time in seconds."""

    def __init__(self):
        self.offset_s = 0.0
        self.ends: dict[int, float] = {}  # stream index -> where its last packet ended, corrected
        self.restarts: list[float] = []

    def correct(self, packet) -> float | None:
        when = packet.dts if packet.dts is not None else packet.pts
        if when is None:
            return None
        base = packet.time_base
        at_s = float(when * base) + self.offset_s
        end = self.ends.get(packet.stream_index)
        if end is not None and (at_s < end - RESTART_BACK_S or at_s > end + DISCONTINUITY_S):
            self.offset_s += end - at_s
            self.restarts.append(end)
            at_s = end
        shift = round(self.offset_s / base)
        if shift:
            if packet.pts is not None:
                packet.pts += shift
            if packet.dts is not None:
                packet.dts += shift
        self.ends[packet.stream_index] = at_s + float((packet.duration or 0) * base)
        return at_s
