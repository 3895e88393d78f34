"""Evaluation: metrics, the method-by-method comparison and its report.

- :mod:`.metrics`: PSNR, SSIM, CIEDE2000, bleed and hint adherence (pure numpy functions).
- :mod:`.data`: which images a data folder offers, in a stable hashed order.
- :mod:`.harness`: hint settings, seeded hint simulation, running every method on an image.
- :mod:`.report`: summaries, ``results.csv``, Markdown tables, picture grids and plots.
- :mod:`.compare`: ``irodori eval`` end to end (:func:`~.compare.run_eval`).
- :mod:`.fid`: FID with user-supplied ONNX Inception weights.
- :mod:`.readme`: refreshes the README's comparison block from a report.
"""
