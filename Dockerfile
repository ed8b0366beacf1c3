# One image definition for every Closeloop service; the service is chosen at build time:
#
#   docker build --build-arg SERVICE=intake -t closeloop-intake .
#
# SERVICE is one of: intake, dispatch, sla-timer, notification, query. docker-compose.yml builds all five.

# ── manifests: only the package manifests, so `npm ci` below is re-run when dependencies change, not on every edit ──
FROM node:20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -mindepth 1 -type d -empty -delete

# ── build: install, compile every project with Nx, then drop the dev dependencies ──
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true
COPY --from=manifests /src/ ./
RUN npm ci
COPY . .
RUN npm run build \
 && npm prune --omit=dev
# Collect what the runtime needs, keeping the repository layout: the workspace symlinks in
# node_modules/@closeloop point at libs/<name> and apps/<name>, and migrate() reads libs/database/migrations
# next to libs/database/dist.
RUN set -eu; mkdir -p /out; \
    for project in libs/* apps/*; do \
      mkdir -p "/out/$project"; \
      cp "$project/package.json" "/out/$project/"; \
      cp -R "$project/dist" "/out/$project/dist"; \
    done; \
    cp -R libs/database/migrations /out/libs/database/migrations; \
    cp -R config /out/config; \
    mkdir -p /out/docs && cp docs/openapi.yaml /out/docs/openapi.yaml; \
    cp package.json /out/package.json; \
    find /out -name '*.tsbuildinfo' -delete

# ── runtime ──
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
# Half Node 20's young generation and the old generation capped at 128 MB, as scripts/stack.js runs the services
# (issue 15: 200 MB RSS; docs/adr/0049-heap-cap.md).
ENV NODE_ENV=production \
    NODE_OPTIONS="--enable-source-maps --max-semi-space-size=8 --max-old-space-size=128"
ARG SERVICE
# query renders the monthly report and order records as PDFs with Chinese text: pdfkit embeds Debian's Noto Sans CJK
# (REPORT_CJK_FONT's default path). The other services draw no PDF and stay without its ~90 MB.
RUN if [ "$SERVICE" = query ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends fonts-noto-cjk \
      && rm -rf /var/lib/apt/lists/* \
      && test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; \
    fi
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /out/ ./

ENV SERVICE=${SERVICE}
RUN test -f "apps/${SERVICE}/dist/main.js" \
 || { echo "build with --build-arg SERVICE=<intake|dispatch|sla-timer|notification|query> (got '${SERVICE}')" >&2; exit 1; }

USER node
# PORT has no default (the service refuses to start without it), so the check reads it at run time.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Shell form so $SERVICE is expanded; `exec` makes node PID 1, so `docker stop` reaches Nest's shutdown hooks.
CMD exec node "apps/$SERVICE/dist/main.js"
