"""Evaluation suite of m2s-gen: metrics, clips, systems, report (`python -m evaluation.run`)."""
