"""Codec losses and the round-trip scores of evaluation.codec_roundtrip, on known answers."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from evaluation.codec_roundtrip import log_mel_l1, opus_round_trip, si_sdr_db
from training.codec_losses import CodecLoss


def _music(seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(48_000 * seconds)) / 48_000
    mid = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)
    side = 0.05 * rng.standard_normal(t.size)
    return np.stack([mid + side, mid - side]).astype(np.float32)


def test_si_sdr_known_answers():
    ref = _music()
    assert si_sdr_db(ref, ref) > 100
    assert si_sdr_db(3.0 * ref, ref) > 100  # scale-invariant
    assert si_sdr_db(-ref, ref) > 100 and si_sdr_db(np.roll(ref, 24, axis=-1), ref) < 0
    noise = np.random.default_rng(1).standard_normal(ref.shape).astype(np.float32)
    noise *= np.sqrt((ref.astype(np.float64) ** 2).sum() / (noise.astype(np.float64) ** 2).sum())
    assert abs(si_sdr_db(ref + noise, ref)) < 0.5  # as much error as signal: about 0 dB


def test_log_mel_l1_zero_for_identity_and_grows_with_damage():
    ref = _music()
    assert log_mel_l1(ref, ref) == 0.0
    assert 0 < log_mel_l1(0.9 * ref, ref) < log_mel_l1(0.3 * ref, ref)
    assert log_mel_l1(np.zeros_like(ref), ref) > 1.0


def test_negative_snr_term():
    target = torch.from_numpy(_music())[None]
    assert float(CodecLoss.negative_snr_db(target, target)) < -40
    assert abs(float(CodecLoss.negative_snr_db(torch.zeros_like(target), target))) < 1e-3
    total, parts = CodecLoss(snr_weight=1.0)(target * 0.5, target)
    assert "neg_snr_db" in parts and abs(parts["neg_snr_db"] - 10 * np.log10(0.25) / 10) < 1e-3


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg (libopus)")
def test_opus_round_trip_keeps_length_and_improves_with_bitrate():
    ref = _music(2.0)
    low, high = opus_round_trip(6)(ref), opus_round_trip(48)(ref)
    assert low.shape == high.shape == ref.shape
    assert log_mel_l1(high, ref) < log_mel_l1(low, ref)
