# Pouls — every target sets up what it needs, so each works first thing on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PELICAN := $(PY) -m pelican
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt 2>/dev/null | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONPATH := $(CURDIR):$(CURDIR)/plugins
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv html serve test publish check new related bench deploy comments-serve moderate audit clean

help:
	@echo "make serve            construit le site et le sert sur http://$(HOST):$(PORT) (rechargement automatique)"
	@echo "make test             installe ce qu'il faut aux tests et lance toute la suite"
	@echo "make new TITLE=… RUBRIQUE=…   crée un reportage (brouillon)"
	@echo "make check            relit tout le contenu et signale les problèmes"
	@echo "make publish          construit le site public dans un dossier neuf, puis le met en ligne"
	@echo "make deploy           envoie le site publié vers l’hébergeur (rsync)"
	@echo "make related SLUG=…   explique le bloc « Sur le même sujet » d’un reportage"
	@echo "make comments-serve   lance le service des commentaires et le bureau de modération (/commentaires/moderation/)"
	@echo "make moderate ARGS=…  modère en ligne de commande (list, approve, reject, erase, log, status, add-moderator…)"
	@echo "make bench            mesure la vitesse de construction"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

BENCH_STAMP := $(VENV)/.bench-$(shell cat requirements-bench.txt 2>/dev/null | sha256sum | cut -c1-12)
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-bench.txt
	@rm -f $(VENV)/.bench-*
	@touch $@

html: venv
	$(PELICAN) content -s pelicanconf.py -o output.dev

serve: venv
	$(PY) -m desk.serve --host $(HOST) --port $(PORT)

test: venv
	@$(PY) -m desk.browser_setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

publish: venv
	$(PY) -m desk.publish

check: venv
	$(PY) -m desk.check

new: venv
	$(PY) -m desk.new --title "$(TITLE)" --rubrique "$(RUBRIQUE)"

related: venv
	$(PY) -m related_articles.explain "$(SLUG)"

# Without BENCH_ARGS: the targets table (cold, rebuilds, preview, memory, Hugo if installed),
# written to tests/bench/README.md; with them, e.g. BENCH_ARGS="2000 --profile", that measure.
bench: venv $(BENCH_STAMP)
	$(PY) tests/bench/bench_build.py $(or $(BENCH_ARGS),--targets)
	$(PY) tests/bench/bench_related.py

deploy: venv
	$(PY) -m desk.deploy $(ARGS)

comments-serve: venv
	$(PY) -m comments.service

moderate: venv
	$(PY) -m comments.moderate $(ARGS)

audit: venv
	$(PY) -m desk.publish
	bash ../shared/audit/setup.sh
	../shared/audit/audit_site.sh output "$${POULS_SITEURL:-https://pouls.example.fr}"

clean:
	rm -rf output .pytest_cache var/cache
