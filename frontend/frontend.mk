# Frontend targets, included by the top-level Makefile (`-include frontend/frontend.mk`).
# frontend-install  npm ci (only when package-lock.json changed)
# frontend-build    vite build into frontend/dist (served by `cunzhi serve`)
# frontend-dist     the same, only when a source changed since the last build (make run)
# frontend-types    src/api/schema.d.ts from openapi/openapi.json (part of `make openapi`)
# frontend-check    vue-tsc, Vitest, the /m/ bundle budget, API types drift (part of `make test`)
# e2e               browser journeys against the real backend with demo data (part of `make test`)

FE := frontend
FE_BIN := $(FE)/node_modules/.bin
FE_STAMP := $(FE)/node_modules/.package-lock.json
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

FE_DIST_STAMP := $(FE)/dist/.built
FE_SOURCES := $(shell find $(FE)/src $(FE)/public -type f 2>/dev/null) $(wildcard $(FE)/*.html $(FE)/*.ts $(FE)/*.json)

.PHONY: frontend-install frontend-build frontend-dist frontend-types frontend-check e2e e2e-browser

$(FE_STAMP): $(FE)/package.json $(FE)/package-lock.json
	cd $(FE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend-install: $(FE_STAMP)

frontend-build: frontend-install
	cd $(FE) && node_modules/.bin/vite build
	@touch $(FE_DIST_STAMP)

$(FE_DIST_STAMP): $(FE_STAMP) $(FE_SOURCES)
	cd $(FE) && node_modules/.bin/vite build
	@touch $@

frontend-dist: $(FE_DIST_STAMP)

frontend-types: frontend-install
	cd $(FE) && node_modules/.bin/openapi-typescript ../openapi/openapi.json -o src/api/schema.d.ts

frontend-check: frontend-dist
	cd $(FE) && node_modules/.bin/vue-tsc --build
	cd $(FE) && node_modules/.bin/vitest run
	cd $(FE) && node scripts/check-bundle-size.mjs
	cd $(FE) && node scripts/check-types-drift.mjs

# Debian's chromium and the CJK font (without it every Chinese character is an empty box).
e2e-browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -f $(CJK_FONT) ]; then \
		apt-get update && apt-get install -y chromium fonts-noto-cjk; \
	fi

e2e: backend-install frontend-dist e2e-browser
	cd $(FE) && node_modules/.bin/vitest run --config vitest.e2e.config.ts
