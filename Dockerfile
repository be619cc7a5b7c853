# leadrelay container image: a build stage compiles better-sqlite3 and the TypeScript, and the
# runtime stage holds only production dependencies and dist/, running as the unprivileged `node` user.
#
#   docker build -t leadrelay .
#   docker run -d --name leadrelay -p 8080:8080 \
#     -v "$PWD/leadrelay.yaml:/config/leadrelay.yaml:ro" -v leadrelay-data:/data \
#     -e LEADRELAY_ADMIN_TOKEN -e APTEN_API_KEY leadrelay
#
# The config should set `storage.path: /data/leadrelay.db` so the database lives on the volume.

# ---- build ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build

# better-sqlite3 falls back to compiling from source when no prebuilt binary can be fetched.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src

# `npm ci` runs the `prepare` script, which is `npm run build` (tsc -> dist/). The prune then drops
# the dev dependencies; --ignore-scripts keeps it from running `prepare` again without tsc.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    LEADRELAY_CONFIG=/config/leadrelay.yaml

WORKDIR /app

# Owned by root: the relay can read its code but not change it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Vendors described in YAML (vendor: rest, src/vendors/rest/README.md): `demo` reads one of them, and
# a config may start from them.
COPY examples ./examples

# /data holds the SQLite database (set storage.path: /data/leadrelay.db). The default storage.path,
# ./data/leadrelay.db, resolves to /app/data, which is linked to the volume so it works as well.
RUN mkdir -p /data /config \
 && chown node:node /data \
 && ln -s /data /app/data

USER node
VOLUME /data
EXPOSE 8080

# No curl in the slim image: node's own fetch probes the unauthenticated health route. The port
# follows LEADRELAY_PORT when set (config.example.yaml uses ${LEADRELAY_PORT:-8080}), else 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LEADRELAY_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# SIGTERM stops polling, lets in-flight deliveries finish (up to 10 s), closes the database, exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli/main.js", "start"]
