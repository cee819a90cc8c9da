# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out
SYSTEM_PACKAGES := libreoffice-calc-nogui fonts-noto-cjk fonts-crosextra-carlito python3-uno poppler-utils

.PHONY: demo test venv system-deps template clean

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# LibreOffice and fonts for the spreadsheet tests; installed when we are root and apt exists,
# otherwise those tests skip (and fail under CI=1).
system-deps:
	@if command -v soffice >/dev/null 2>&1 && /usr/bin/python3 -c 'import uno' 2>/dev/null && command -v pdffonts >/dev/null 2>&1 && fc-list | grep -q Carlito; then \
		echo "LibreOffice ok"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
	else \
		echo "Install for the LibreOffice tests: sudo apt-get install $(SYSTEM_PACKAGES)"; \
	fi

demo: venv
	mkdir -p $(OUT)
	$(BIN)/xlgoals template --unit 上海市总工会 --year 2021 -o $(OUT)/模板-上海市总工会-2021.xlsx
	$(BIN)/xlgoals template --form national-2015 --unit 某县农业农村局 --year 2024 --projects 3 -o $(OUT)/模板-全国申报表-2024.xlsx
	$(BIN)/xlgoals import examples/shanghai-2020.json -o $(OUT)/上海市总工会-2020.xlsx
	$(BIN)/xlgoals validate $(OUT)/上海市总工会-2020.xlsx --annotate $(OUT)/上海市总工会-2020-已标注.xlsx; test $$? -le 1
	$(BIN)/xlgoals export $(OUT)/上海市总工会-2020.xlsx --format json -o $(OUT)/上海市总工会-2020.json
	$(BIN)/xlgoals export $(OUT)/上海市总工会-2020.xlsx --format csv -o $(OUT)/上海市总工会-2020.csv
	$(BIN)/xlgoals merge $(OUT)/上海市总工会-2020.xlsx -o $(OUT)/上海市总工会-2020-汇总.xlsx --report $(OUT)/合并报告.json
	$(BIN)/xlgoals addin build -o $(OUT)/xlgoals.xlam

test: venv system-deps
	$(BIN)/python -m pytest

# Rebuild the committed default template after a deliberate layout change.
template: venv
	$(BIN)/xlgoals template --unit 上海市总工会 --year 2021 --framework shanghai-2020 --projects 5 -o workbook_templates/绩效目标表模板.xlsx

clean:
	rm -rf $(OUT) $(VENV) .pytest_cache
