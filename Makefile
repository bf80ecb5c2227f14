# Entry points of the course. `make run` and `make test` do all the set-up they need.
# A second environment next to the first: PYTHON=python3.13 VENV=.venv-3.13 make setup
# (then `make test VENV=.venv-3.13`); PYTHON is used as named or refused, never replaced.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done
PROFILE ?= auto
# Whole test command bound (seconds): a stuck cell fails with its name long before this.
TEST_TIMEOUT ?= 3600
# Extra pytest arguments of `make test`, e.g. TEST_ARGS='-m "not browser"'
TEST_ARGS ?=

.PHONY: setup run test lab export bench seeds gpu-check slides present student site clean clean-data
setup: $(STAMP)

$(STAMP): requirements.txt requirements-py312.txt pyproject.toml scripts/setup.sh scripts/mxnet_variant.py
	VENV=$(VENV) bash scripts/setup.sh
	touch $@

## run: execute every lecture notebook headless (D2L_PROFILE or PROFILE=quick|cpu|full), results in build/
run: $(STAMP)
	$(PY) -m course_tools.runner --profile $(PROFILE) $(ARGS)

## test: unit tests and every notebook under nbval in the quick profile
test: $(STAMP)
	D2L_PROFILE=quick timeout --signal=INT --kill-after=60 $(TEST_TIMEOUT) \
	  $(PY) -m pytest tests notebooks --nbval-lax --nbval-cell-timeout=600 \
	  --nbval-sanitize-with nbval_sanitize.cfg -p no:cacheprovider --timeout=900 $(TEST_ARGS)

## lab: JupyterLab on 127.0.0.1 with token authentication (LAB_DIR: the folder it shows)
# (--allow-root only where make runs as root, e.g. in a container; the token stays on;
#  jupyter-config/: no widget extension, no news pop-up, see jupyter-config/README.md)
LAB_DIR ?= notebooks
lab: $(STAMP)
	$(PY) slides/present.py --style $(LAB_DIR)
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter-config $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 \
	  --ServerApp.open_browser=False $(if $(filter 0,$(shell id -u)),--allow-root) --notebook-dir=$(LAB_DIR)

## export: regenerate d2l_extras/models/ from the notebooks' `export` cells
export: $(STAMP)
	$(PY) -m course_tools.export

## slides: reveal.js decks of every notebook in both languages + PDFs → slides/index.html (ARGS=--no-pdf: HTML only)
slides: $(STAMP)
	$(PY) slides/build.py $(ARGS)

## present: one-language notebooks for a live RISE talk → build/present/vi/, build/present/en/, opened in JupyterLab
present: $(STAMP)
	$(PY) slides/present.py $(ARGS)
	$(MAKE) lab LAB_DIR=build/present

## student: the student edition (solutions taken out) → build/student/ (both languages), build/student/vi/, build/student/en/
student: $(STAMP)
	$(PY) scripts/student.py $(ARGS)

## site: the course website from the committed notebooks → site/vi/, site/en/ (ARGS=--solutions: the instructor's)
# Sphinx and its theme live in their own pinned environment (requirements-site.txt), made with
# the reference environment's Python (Sphinx 9 needs 3.11 or newer) and installed by its pip.
SITE_VENV ?= .venv-site
site: $(STAMP) $(SITE_VENV)/.site-setup-done
	$(PY) scripts/website.py --sphinx $(SITE_VENV)/bin/sphinx-build $(ARGS)

$(SITE_VENV)/.site-setup-done: requirements-site.txt
	rm -rf $(SITE_VENV)
	$(PY) -m venv --without-pip $(SITE_VENV)
	$(PY) -m pip --python $(SITE_VENV)/bin/python install -q --no-compile --disable-pip-version-check \
	  -r requirements-site.txt
	touch $@

## bench: the book's training path against the course's, side by side (ARGS=--nets resnet ...)
bench: $(STAMP)
	$(PY) scripts/bench.py $(ARGS)

## seeds: each section's network on the cpu profile with seeds 0, 1, 2: test accuracy per seed (ARGS=--sections vgg ...)
seeds: $(STAMP)
	$(PY) scripts/seeds.py $(ARGS)

## gpu-check: on an NVIDIA GPU, the benchmark and one full-size notebook against the book's V100 figures
gpu-check: $(STAMP)
	$(PY) scripts/gpu_check.py $(ARGS)

clean:
	rm -rf build slides/en slides/vi slides/index.html slides/pdf slides/manifest.json slides/vendor

## clean-data: remove the Fashion-MNIST copy downloaded into MXNet's cache
clean-data:
	rm -rf $${MXNET_HOME:-$$HOME/.mxnet}/datasets/fashion-mnist
