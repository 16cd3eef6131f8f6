"""The within/between split of the realism classifier (evaluation.realism_split)."""
import numpy as np

from evaluation.metrics.realism_features import feature_names
from evaluation.realism_split import between, markdown, split_scores, with_means_of, within

D = len(feature_names())


def _clips(rng, num_clips=30, rows=10, still=1.0, same_image=False):
    out = []
    for _ in range(num_clips):
        image = np.zeros(D) if same_image else rng.normal(size=D) * 3.0
        out.append(image + still * rng.normal(size=(rows, D)))
    return out


def test_within_and_between_views():
    rows = np.arange(12.0).reshape(6, 2)
    groups = np.array([0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(within(rows, groups) + between(rows, groups), rows)
    np.testing.assert_allclose(within(rows, groups)[:3].mean(0), 0.0)


def test_a_too_still_image_is_caught_within_clips_only():
    rng = np.random.default_rng(0)
    real = _clips(rng)
    still = [np.mean(c, axis=0) + 0.2 * (c - np.mean(c, axis=0)) for c in _clips(rng)]  # same images' spread, a fifth of the movement
    scores = split_scores(real, still)
    assert scores["accuracy"]["all"]["within"] > 0.8
    assert scores["accuracy"]["all"]["between"] < 0.7
    spreads = np.array([v["within"] for v in scores["spread"].values()])
    assert 0.1 < np.median(spreads) < 0.3
    assert "| all |" in markdown("x", scores)


def test_images_alike_over_recordings_are_caught_between_clips():
    rng = np.random.default_rng(1)
    scores = split_scores(_clips(rng), _clips(rng, same_image=True))
    assert scores["accuracy"]["all"]["between"] > 0.75
    assert np.median([v["between"] for v in scores["spread"].values()]) < 0.5


def test_substitutions_tell_which_half_gives_the_output_away():
    rng = np.random.default_rng(2)
    real = _clips(rng)
    # the same movement as the originals, on images all alike: only the images are wrong
    alike = [c - c.mean(axis=0) for c in real]
    scores = split_scores(real, alike)
    assert scores["accuracy"]["all"]["all"] > 0.7
    assert scores["substituted"]["real_images"] < 0.6  # given the real images, it is the original
    assert scores["substituted"]["real_movement"] > 0.7  # the real movement does not hide its images
    assert "Substitutions" in markdown("x", scores)


def test_with_means_of_moves_each_group_to_the_donors_mean():
    rows = np.array([[0.0], [2.0], [10.0], [12.0]])
    groups = np.array([0, 0, 1, 1])
    donor, donor_groups = np.array([[5.0], [-5.0], [7.0]]), np.array([1, 1, 0])
    np.testing.assert_allclose(with_means_of(rows, groups, donor, donor_groups), [[6.0], [8.0], [-1.0], [1.0]])
