# Two commands do all set-up on a machine with only python3 and make:
#   make demo   bootstrap .venv, then run the demo end to end on the bundled data
#   make test   bootstrap .venv, then lint + pytest + nbval on notebooks/ + docs
#   make docs   bootstrap .venv, then build the documentation site (warnings = errors)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint pytest nbval docs bench clean venv

venv: $(STAMP)

# Re-install only when the project's dependency list or the pinned map assets change.
# The fetch puts the web assets that offline maps embed into the user's cache folder
# (npm pack, checksums verified; see hotspots/maps/assets.py); without npm it warns.
$(STAMP): pyproject.toml hotspots/maps/assets.json docs/assets.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m hotspots.maps.assets fetch --skip-without-npm
	$(BIN)/python -m hotspots.maps.assets fetch --skip-without-npm --manifest docs/assets.json
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hotspots demo --out data/processed

lint: $(STAMP)
	$(BIN)/ruff check hotspots tests benchmarks notebooks data docs
	$(BIN)/ruff format --check hotspots tests benchmarks data notebooks docs
	$(BIN)/mypy hotspots
	$(BIN)/lint-imports --no-cache

# pytest exits 5 when it collects no test: that fails the target, loudly.
pytest: $(STAMP)
	@$(BIN)/python -m pytest --doctest-modules hotspots tests || { rc=$$?; \
	  [ $$rc -eq 5 ] && echo "ERROR: pytest collected no tests" >&2; exit $$rc; }

nbval: $(STAMP)
	@$(BIN)/python -m pytest --nbval-lax -p no:randomly notebooks -o testpaths=notebooks \
	  -o filterwarnings= || { rc=$$?; \
	  [ $$rc -eq 5 ] && echo "ERROR: nbval collected no notebook cells" >&2; exit $$rc; }

# The site is built from the repository root (docs/conf.py says why); notebooks are
# executed by myst-nb and cached in docs/_build/.jupyter_cache; -W: warnings fail it.
# -E and a fresh docs/api/generated: every page is re-read, so a stale environment
# cannot hide a new or renamed public name (the notebook cache keeps it quick).
docs: $(STAMP)
	rm -rf docs/api/generated
	$(BIN)/sphinx-build -b html -E -W --keep-going -q -c docs -d docs/_build/doctrees \
	  . docs/_build/html
	@echo "Documentation: docs/_build/html/index.html"

test: lint pytest nbval docs

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_kde.py
	$(BIN)/python benchmarks/bench_gistar.py
	$(BIN)/python benchmarks/bench_maps.py
	$(BIN)/python benchmarks/bench_power.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache docs/_build \
	  docs/api/generated
