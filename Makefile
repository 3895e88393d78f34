# irodori: every target is idempotent and installs what it needs into .venv.
# Two levels share one .venv: `make demo` / `make serve` install the runtime and the studio ([web]: no
# torch, no Playwright); `make test` and the training, evaluation and benchmark targets add the rest ([dev]).
# Each level has its own stamp, remade when pyproject.toml changes; the full level also stamps the light one.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: mean-image install install-run demo serve test test-krita bench train-default eval clean wheel check-wheel \
	krita-plugin

install: $(STAMP_DEV)

install-run: $(STAMP_RUN)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[web]'
	touch $(STAMP_RUN)

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	# The Hint-AUC protocol (irodori eval --protocol hintauc): hintauc (MIT) pins astropy<6 for a path
	# method irodori does not use ('geodesic' needs nothing more), which would pull NumPy 1: no deps.
	$(BIN)/pip install --quiet --no-deps 'hintauc==0.3.3'
	touch $(STAMP_DEV) $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/python -m irodori.demo out
	@echo
	@echo "irodori is installed in $(VENV). Run it as $(BIN)/irodori, e.g."
	@echo "  $(BIN)/irodori colorize src/irodori/examples/aiko.png --hints src/irodori/examples/aiko.hints.json -o out/aiko.png --overwrite"
	@echo "  $(BIN)/irodori serve      # the studio: http://127.0.0.1:8000/"
	@echo "or activate the environment first (source $(BIN)/activate), then just: irodori --help"

# The studio in the browser: http://127.0.0.1:8000/ (Ctrl+C stops).
serve: $(STAMP_RUN)
	$(BIN)/irodori serve

test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The Krita plugin inside real Krita (needs Debian's krita package, and xvfb for the undo check).
test-krita: install
	$(BIN)/python -m pytest -q -m krita tests/test_krita.py

# The Krita plugin, installable with Tools > Scripts > Import Python Plugin from File.
krita-plugin:
	$(PYTHON) integrations/krita/make_zip.py dist/irodori-krita.zip

bench: install
	$(BIN)/python benchmarks/bench_fill.py

# The default neural model, by the project's own recipe: build the datasets if missing, train with
# configs/default.json on the CPU or configs/default-gpu.json (the shipped run) where torch sees a GPU
# (resumes an interrupted run; stops after TRAIN_MINUTES), export the EMA generator.
TRAIN_MINUTES ?= 85
TRAIN_CONFIG ?= $(shell test -x $(BIN)/python && $(BIN)/python -c "import torch; print('configs/default-gpu.json' if torch.cuda.is_available() else 'configs/default.json')" 2>/dev/null || echo configs/default.json)
train-default: install
	test -f data/openmoji/manifest.csv || $(BIN)/irodori data build openmoji --out data/openmoji --quiet
	test -f data/dicebear/manifest.csv || $(BIN)/irodori data build dicebear --out data/dicebear --quiet
	test -f data/openclipart/manifest.csv || $(BIN)/irodori data build openclipart --out data/openclipart --quiet
	mkdir -p runs/default
	$(BIN)/irodori train --data data/openmoji --data data/dicebear --data data/openclipart --config $(TRAIN_CONFIG) \
		--out runs/default --max-minutes $(TRAIN_MINUTES) --no-progress \
		$$(test -f runs/default/checkpoint.pt && echo --resume) >> runs/default/train.log 2>&1
	mkdir -p src/irodori/models
	$(BIN)/irodori export runs/default -o src/irodori/models/default.onnx --overwrite

# Compare every registered method on the OpenMoji, DiceBear and OpenClipart test splits (reports/eval/report.md,
# results.csv, grids, plots) and refresh the README's "How the methods compare" block and its grid.
# The whole test splits (241 + 161 pictures, every method, five hint settings) in two worker processes;
# EVAL_ARGS="--workers 2 --limit 80" evaluates a hashed sample of 80 pictures per split instead.
# --toned 40: the first 40 pictures of each split also as toned manga drawings (NAME+toned rows).
EVAL_ARGS ?= --workers 2
eval: install
	test -f data/openmoji/manifest.csv || $(BIN)/irodori data build openmoji --out data/openmoji --quiet
	test -f data/dicebear/manifest.csv || $(BIN)/irodori data build dicebear --out data/dicebear --quiet
	test -f data/openclipart/manifest.csv || $(BIN)/irodori data build openclipart --out data/openclipart --quiet
	mkdir -p reports
	$(BIN)/irodori eval --data data/openmoji --data data/dicebear --data data/openclipart --toned 40 \
		-o reports/eval --overwrite $(EVAL_ARGS)
	$(BIN)/python -m irodori.eval.readme reports/eval README.md \
		--grid reports/eval/grids/dicebear_16.png --grid-to docs/eval-grid.png

clean:
	rm -rf out build dist .pytest_cache

# A wheel with the shipped model inside: dist/irodori-VERSION-py3-none-any.whl.
wheel: $(STAMP_RUN)
	rm -rf build dist/irodori-*.whl
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

# The wheel in a fresh virtual environment (runtime + web only): irodori colorize and irodori serve.
check-wheel: wheel
	bash .ci/check-wheel dist/irodori-*.whl

# The shipped mean-colour baseline image: mean of the default model's training data.
mean-image: install
	$(BIN)/python -c "from pathlib import Path; from irodori.eval import data as d, harness as h; from irodori.io import write_png; \
	p = d.train_colors(Path('data/openmoji'), limit=10**6) + d.train_colors(Path('data/dicebear'), limit=10**6); \
	write_png('src/irodori/models/mean_train.png', h.mean_training_image(p, size=64), overwrite=True)"
