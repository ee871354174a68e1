# syntax=docker/dockerfile:1
# Berth: `berth serve` with the berth.config.* in /app (bake one in, or mount one).
#   docker build -t berth .
#   docker run -p 3000:3000 -v berth-data:/data \
#     -v "$PWD/berth.config.yaml:/app/berth.config.yaml:ro" -v "$PWD/servers:/app/servers:ro" berth
# docs/deployment.md says more, and how this file is checked without a Docker engine
# (scripts/dockerfile-replay.mjs).

# Production dependencies. better-sqlite3 downloads a prebuilt binary, or compiles one with
# the tools installed here. npm 10 runs every install script; npm 11.19 and later only the
# ones an .npmrc or package.json allows (this .npmrc stays in this stage).
FROM node:20-bookworm-slim AS deps
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN echo "allow-scripts=better-sqlite3" > .npmrc \
  && npm ci --omit=dev --no-audit --no-fund

# The build: every dependency (no install scripts: tsc needs no native module), then tsc.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY examples ./examples
COPY conformance ./conformance
RUN npm run build

# The runtime: Node, production dependencies and the compiled output; no compiler, no npm cache.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  BERTH_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
# slim images have no curl: Node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/cli/main.js", "serve"]
