"""SamplerSettings: one checked object for the sampler knobs; the old keyword form still works, with a warning."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from m2s_gen import SamplerSettings
from m2s_gen.sampler_settings import FIELD_NAMES, SettingError, help_text

from conftest import music_like


@pytest.mark.parametrize("name,bad", [("num_steps", 0), ("num_steps", 2.5), ("num_draws", 65), ("num_draws", True),
                                      ("guidance_scale", -1.0), ("temperature", 2.5), ("calibrate", 1),
                                      ("band_level_anchor", 1.5), ("level_spread", "1"), ("time_course", -0.1),
                                      ("hold_band_widths", 2.0)])
def test_check_names_the_field_and_its_range(name, bad):
    with pytest.raises(SettingError) as info:
        SamplerSettings(**{name: bad}).check()
    assert info.value.name == name and str(info.value).startswith(name)


def test_every_field_has_help_with_its_range():
    for name in FIELD_NAMES:
        assert help_text(name).endswith(")") and len(help_text(name)) > 20


def test_over_and_given():
    base = SamplerSettings(num_steps=4, num_draws=2)
    top = SamplerSettings(num_draws=8, temperature=0.5)
    merged = top.over(base)
    assert (merged.num_steps, merged.num_draws, merged.temperature) == (4, 8, 0.5)
    assert top.given() == {"num_draws": 8, "temperature": 0.5}
    assert top.over(None) is top


def test_from_dict_refuses_unknown_names():
    with pytest.raises(SettingError, match="not a sampler setting"):
        SamplerSettings.from_dict({"num_stepz": 3})


def test_resolution_order_settings_over_preset_over_model(tiny_upmixer):
    up = tiny_upmixer
    assert up.resolve_settings().num_steps == up.config.default_num_steps
    natural = up.resolve_settings("natural")
    assert natural.temperature == 0.75 and natural.calibrate is True
    mine = up.resolve_settings("natural", SamplerSettings(temperature=0.3, num_steps=3))
    assert (mine.temperature, mine.num_steps, mine.calibrate) == (0.3, 3, True)
    assert all(value is not None for value in mine.given().values()) and len(mine.given()) == len(FIELD_NAMES)


def test_a_movement_word_turns_the_learned_time_course_off_unless_asked(tiny_upmixer):
    assert tiny_upmixer.resolve_settings(targets={"movement_db": 0.0}).time_course == 0.0
    asked = tiny_upmixer.resolve_settings(settings=SamplerSettings(time_course=0.5), targets={"movement_db": 0.0})
    assert asked.time_course == 0.5


def test_settings_object_and_old_keywords_give_the_same_output(tiny_upmixer):
    mono = torch.from_numpy(music_like(12_000, 16_000))
    new = tiny_upmixer(mono, 16_000, seed=1, settings=SamplerSettings(num_steps=3, num_draws=2, temperature=0.5))
    with pytest.warns(FutureWarning, match="settings=SamplerSettings"):
        old = tiny_upmixer(mono, 16_000, seed=1, num_steps=3, num_draws=2, temperature=0.5)
    assert torch.equal(new, old)
    other = tiny_upmixer(mono, 16_000, seed=1, settings=SamplerSettings(num_steps=3, num_draws=1, temperature=0.5))
    assert not torch.equal(new, other)


def test_an_unknown_keyword_is_a_type_error(tiny_upmixer):
    with pytest.raises(TypeError, match="num_stepz"):
        tiny_upmixer(np.zeros(1000, np.float32), 16_000, num_stepz=3)


def test_a_bad_setting_is_a_value_error_before_any_work(tiny_upmixer):
    with pytest.raises(ValueError, match="num_draws must be an integer in"):
        tiny_upmixer(np.zeros(1000, np.float32), 16_000, settings=SamplerSettings(num_draws=0))
