"""Colouring from a reference: a coloured page of the same character.

``features``: per-pixel and per-region descriptors of a line drawing, in a
frame normalized to the drawing's own bounding box (so the reference and the
new drawing may differ in size, position and scale). ``prepare``: validating
and loading a reference (extracting its lines when only colours are given).
``palette``: quantizing the reference's colours into classes. The methods
that use them live in :mod:`irodori.methods` (``svm``, ``paste``,
``region-match``).
"""
