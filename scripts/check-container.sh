#!/usr/bin/env bash
# Checks the Dockerfile where no Docker engine runs: replays its build steps in a scratch copy of the
# repo (npm ci, which builds, then the production prune), then runs the pruned tree as the image
# would (version, start, the HEALTHCHECK command, SIGTERM) and reports the size of what the image adds.
# Of docker-compose.replicas.yml: runs the replicas' health check against that relay, and has
# HAProxy (when installed) and Docker Compose (when installed) check their files.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""

echo "== copying what the Dockerfile COPYs"
cp package.json package-lock.json tsconfig.json tsconfig.build.json "$work/"
cp -r src "$work/src"
cp -r examples "$work/examples"

echo "== RUN npm ci && npm prune --omit=dev --ignore-scripts"
if ! (cd "$work" && npm ci --no-audit --no-fund > "$work/npm.log" 2>&1 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >> "$work/npm.log" 2>&1); then
  echo "FAIL: the build steps failed:"; tail -20 "$work/npm.log"; exit 1
fi
[ -f "$work/dist/cli/main.js" ] || { echo "FAIL: dist/ was not built by npm ci (prepare)"; exit 1; }
if [ -d "$work/node_modules/typescript" ] || [ -d "$work/node_modules/vitest" ]; then
  echo "FAIL: dev dependencies survived the prune"; exit 1
fi

echo "== CMD node dist/cli/main.js version"
(cd "$work" && node dist/cli/main.js version)

echo "== start with a config like the image's, probe HEALTHCHECK, then SIGTERM"
mkdir -p "$work/data"
cat > "$work/leadrelay.yaml" <<YAML
server:
  host: 127.0.0.1
  port: \${LEADRELAY_PORT}
  adminToken: check-container-token-123
storage:
  path: $work/data/leadrelay.db
YAML
export LEADRELAY_PORT=$((20000 + RANDOM % 20000))
(cd "$work" && LEADRELAY_CONFIG="$work/leadrelay.yaml" NODE_ENV=production exec node dist/cli/main.js start > "$work/out.log" 2>&1) &
pid=$!
for _ in $(seq 1 50); do grep -q '"leadrelay listening"' "$work/out.log" 2>/dev/null && break; sleep 0.2; done
# The Dockerfile's HEALTHCHECK, verbatim.
(cd "$work" && node -e "fetch('http://127.0.0.1:'+(process.env.LEADRELAY_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))") \
  && echo "healthcheck: ok" || { echo "FAIL: healthcheck"; cat "$work/out.log"; exit 1; }
# docker-compose.replicas.yml's replica health check, verbatim, read with the image's own yaml package.
(cd "$work" && REPO="$OLDPWD" node -e "
  const { parse } = require('yaml');
  const compose = parse(require('fs').readFileSync(process.env.REPO + '/docker-compose.replicas.yml', 'utf8'), { merge: true });
  const [kind, cmd, ...args] = compose.services['leadrelay-1'].healthcheck.test;
  if (kind !== 'CMD') throw new Error('expected an exec-form health check');
  process.exit(require('child_process').spawnSync(cmd, args, { stdio: 'inherit' }).status);
") && echo "replicas' healthcheck: ok" || { echo "FAIL: docker-compose.replicas.yml healthcheck"; cat "$work/out.log"; exit 1; }
kill -TERM "$pid"; code=0; wait "$pid" || code=$?
[ "$code" = 0 ] || { echo "FAIL: exit code $code after SIGTERM"; cat "$work/out.log"; exit 1; }
grep -q '"leadrelay stopped"' "$work/out.log" && echo "SIGTERM: clean exit 0"

echo "== docker-compose.replicas.yml and deploy/haproxy.cfg"
if command -v haproxy > /dev/null; then
  haproxy -c -f deploy/haproxy.cfg 2>&1 | grep -q 'Configuration file is valid' && echo "haproxy -c: valid" || { echo "FAIL: haproxy -c -f deploy/haproxy.cfg"; haproxy -c -f deploy/haproxy.cfg; exit 1; }
else
  echo "haproxy not installed: config not checked by HAProxy (test/container.test.ts checks its servers)"
fi
if docker compose version > /dev/null 2>&1; then
  POSTGRES_PASSWORD=check LEADRELAY_ADMIN_TOKEN=check-container-token-123 docker compose -f docker-compose.replicas.yml config -q \
    && echo "docker compose config: valid" || { echo "FAIL: docker compose config"; exit 1; }
else
  echo "docker compose not installed: compose file not checked by Compose (test/container.test.ts parses it)"
fi

echo "== what the runtime stage adds to node:20-bookworm-slim"
du -sh "$work/node_modules" "$work/dist" | sed 's/^/  /'
echo "OK"
