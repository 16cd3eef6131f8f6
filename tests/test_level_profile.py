"""The anchoring profile: bass movement and the intercept + slope line (m2s_gen.level_profile)."""
import numpy as np
import pytest
import torch

from m2s_gen import level_profile, spatial

B = spatial.NUM_BANDS


def _mid_db(bass_db_per_frame):
    """Band energies ``[B, N]``: the bass bands follow ``bass_db_per_frame``, the rest stay at -30 dB."""
    frames = len(bass_db_per_frame)
    db = torch.full((B, frames), -30.0)
    db[level_profile.bass_bands()] = torch.tensor(bass_db_per_frame, dtype=torch.float32)
    return db


def test_bass_bands_are_the_low_ones():
    rows = level_profile.bass_bands()
    centres = [(lo + hi) / 2 for lo, hi in spatial.band_edges_hz()]
    assert rows.any() and not rows.all()
    assert all((c < level_profile.BASS_BELOW_HZ) == bool(r) for c, r in zip(centres, rows))


def test_flux_measures_how_much_the_bass_moves():
    steady = level_profile.bass_flux_db(_mid_db([-20.0] * 50))
    punchy = level_profile.bass_flux_db(_mid_db([-20.0, -24.0] * 25))
    assert float(steady) == pytest.approx(0.0, abs=1e-9)
    assert float(punchy) == pytest.approx(4.0, abs=1e-6)  # every band moves 4 dB, so their sum does
    wild = level_profile.bass_flux_db(_mid_db([-10.0, -90.0] * 25))
    assert float(wild) == level_profile.MAX_FLUX_DB
    assert float(level_profile.bass_flux_db(_mid_db([-20.0]))) == 0.0
    batch = torch.stack([_mid_db([-20.0] * 10), _mid_db([-20.0, -22.0] * 5)])
    assert level_profile.bass_flux_db(batch).shape == (2,)


def test_profile_is_intercept_plus_slope_times_flux():
    intercept = [-8.0] * B
    assert torch.equal(level_profile.profile_db(_mid_db([-20.0] * 4), intercept), torch.full((B,), -8.0, dtype=torch.float64))
    slope = [-2.0 if bass else 0.0 for bass in level_profile.bass_bands().tolist()]
    profile = level_profile.profile_db(_mid_db([-20.0, -23.0] * 10), intercept, slope)
    bass = level_profile.bass_bands()
    assert torch.allclose(profile[bass], torch.tensor(-14.0, dtype=torch.float64))
    assert torch.allclose(profile[~bass], torch.tensor(-8.0, dtype=torch.float64))
    floor = level_profile.profile_db(_mid_db([-20.0, -25.0] * 10), [-38.0] * B, [-5.0] * B)
    assert float(floor.min()) == spatial.RATIO_FLOOR_DB


def test_l1_line_recovers_a_line_despite_outliers():
    from training.calibrate import l1_line

    x = torch.linspace(0, 4, 40, dtype=torch.float64)
    y = -6.0 - 2.5 * x
    y[::10] += 30.0  # outliers an L2 fit would follow
    a, b = l1_line(x, y)
    assert a == pytest.approx(-6.0, abs=1e-6) and b == pytest.approx(-2.5, abs=1e-6)
    assert l1_line(torch.ones(5), torch.arange(5.0)) == (2.0, 0.0)
    assert np.isfinite(l1_line(torch.tensor([1.0]), torch.tensor([3.0]))[0])
