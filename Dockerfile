# Logwarden: one image for a single node (SQLite under /data) or for several nodes on PostgreSQL and
# RabbitMQ (compose.yaml, deploy/k8s/, docs/deployment.md).
#
#   docker build -t logwarden .
#   docker run -p 8000:8000 -v logwarden-data:/data logwarden
#
# BASE_IMAGE: any Debian-based image with Node.js >= 20.19 and npm in /usr/local (the official node images'
# layout). The default is what users pull; a build where no image registry is reachable passes a base made
# locally (docs/deployment.md, "Building without an image registry").
ARG BASE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, TypeScript -> dist/, the dashboard -> dist/web, then dev deps dropped ----
FROM ${BASE_IMAGE} AS build
# better-sqlite3 installs a prebuilt binary downloaded from GitHub; when none fits (another CPU, no access
# to GitHub) it compiles from source, which needs these. They stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# A source build uses the base image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /src
# Dependencies first: this layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY config ./config
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and dist/ only, as a user of its own ----
FROM ${BASE_IMAGE} AS runtime
ARG GIT_COMMIT=
# Container defaults (every other setting: .env.example). HOST 0.0.0.0: reachable from outside the
# container (the default 127.0.0.1 is for a laptop). HEALTH_PORT: probes on a port of their own, answered
# on a thread of their own, so an overloaded API port does not fail liveness. Everything written goes
# under DATA_DIR (/data, a volume): the SQLite file, anomaly files (STORAGE_PATH), models (MODEL_DIR).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    HEALTH_PORT=8001 \
    DATA_DIR=/data \
    STORAGE_PATH=/data/anomaly-files \
    MODEL_DIR=/data/anomaly_outputs \
    LOG_FORMAT=json \
    GIT_COMMIT=${GIT_COMMIT}
# A fixed uid/gid, so a volume or a Kubernetes securityContext (fsGroup) can be given to it.
RUN groupadd --gid 10001 logwarden \
 && useradd --uid 10001 --gid logwarden --home-dir /data --no-create-home --shell /usr/sbin/nologin \
      logwarden \
 && mkdir -p /data \
 && chown logwarden:logwarden /data
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Shipped Sigma field mappings, read beside dist/ (src/sigma/default-mappings.ts).
COPY --from=build /src/config ./config
USER logwarden
VOLUME ["/data"]
EXPOSE 8000 8001
# No curl in the slim image: Node's fetch asks the probe port (or the API port when HEALTH_PORT is unset).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT||process.env.PORT}/health/live`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# A young generation of up to 32 MiB semi-spaces: ingest allocates fast and most of it dies young
# (docs/deployment.md, "Running it"; 1.16x the lines/s measured against Node's default).
ENTRYPOINT ["node", "--max-semi-space-size=32", "dist/cli/index.js"]
CMD ["serve"]
