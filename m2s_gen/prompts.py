"""Style prompts: a documented vocabulary of words, each a target for some measured attributes.

``parse_prompt("wide, mono bass")`` -> ``{"width_db": -4.0, "low_width_db": -30.0}``. Words and
phrases are separated by commas, "and", "+" or spaces; longer phrases match first ("very wide"
before "wide"); a later word overrides an earlier one on the same attribute. An unknown word raises
``ValueError`` listing the vocabulary. Attributes are those of :mod:`m2s_gen.attributes`.
"""
from __future__ import annotations

import re

# word -> (meaning, attribute targets in physical units)
VOCABULARY: dict[str, tuple[str, dict[str, float]]] = {
    "mono": ("almost no side signal", {"width_db": -25.0}),
    "centered": ("a narrow image held in the middle", {"width_db": -16.0, "low_width_db": -24.0}),
    "narrow": ("a narrow stereo image", {"width_db": -15.0}),
    "natural": ("the width of typical commercial music", {"width_db": -9.0}),
    "wide": ("a wide stereo image", {"width_db": -4.0}),
    "very wide": ("as wide as it gets without falling apart in mono", {"width_db": -1.5}),
    "mono bass": ("side removed in the bass, as mastering engineers do", {"low_width_db": -30.0}),
    "wide bass": ("a wide low end", {"low_width_db": -6.0}),
    "bright": ("width concentrated in the highs", {"high_width_db": -2.0}),
    "hard-panned": ("instruments panned to the sides: side largely a panned copy of the mid",
                    {"coherence": 0.7, "width_db": -4.0}),
    "vintage": ("a 1960s hard-panned mix: panned, static, mono-ish bass",
                {"coherence": 0.7, "movement_db": 1.5, "width_db": -5.0}),
    "ambient": ("diffuse, enveloping side, decorrelated from the mid", {"coherence": 0.05, "width_db": -5.0}),
    "hall": ("a wide concert hall: diffuse side, wide highs", {"coherence": 0.05, "width_db": -4.0,
                                                               "high_width_db": -2.5}),
    "diffuse": ("side decorrelated from the mid", {"coherence": 0.05}),
    "static": ("a stereo image that stays put", {"movement_db": 1.5}),
    "ping-pong": ("a moving image that swings from side to side", {"movement_db": 7.0, "coherence": 0.6,
                                                                              "width_db": -6.0}),
}
_SEPARATORS = re.compile(r"\s*(?:,|;|\+|\band\b)\s*")


def vocabulary_help() -> str:
    """One line listing every word, for error messages and ``--help``."""
    return ", ".join(f'"{w}"' for w in VOCABULARY)


def parse_prompt(prompt: str) -> dict[str, float]:
    """Attribute targets asked for by ``prompt``; empty for an empty prompt."""
    targets: dict[str, float] = {}
    text = prompt.lower().replace("_", " ").strip()
    phrases = sorted(VOCABULARY, key=len, reverse=True)
    for chunk in filter(None, _SEPARATORS.split(text)):
        rest = " ".join(chunk.split())
        while rest:
            for phrase in phrases:
                if rest == phrase or rest.startswith(phrase + " "):
                    targets.update(VOCABULARY[phrase][1])
                    rest = rest[len(phrase):].strip()
                    break
            else:
                word = rest.split()[0]
                raise ValueError(f"prompt: unknown word {word!r}; known words: {vocabulary_help()}")
    return targets
