#!/usr/bin/env bash
# Builds the Docker image for real and checks it against the fake GitHub + Copilot, with no network:
# runs as uid 1000, /data 0700 with the stored token 0600, healthy by its own HEALTHCHECK, 401
# without a key when keys are set, answers with one, and `docker stop` ends it cleanly (exit 0).
#
# It starts a private Docker daemon (own data root, exec root and socket; no bridge, no iptables)
# and stops it by its PID at the end. Docker Hub is not needed: the Node.js base image is made here
# from Debian (debootstrap, `docker import`, then Debian's nodejs and npm and a uid-1000 user) and
# given to the project's Dockerfile as NODE_IMAGE. Extra CA certificates of this machine (a proxy
# with its own CA) go into that base image, so apt and npm inside the build can verify the registry.
#
# Needs root, dockerd, docker and debootstrap (.ci/run installs docker.io and debootstrap); skipped,
# with the reason printed, where a daemon can't be started. Environment:
#   DEBIAN_MIRROR        (default http://deb.debian.org/debian)   DEBIAN_SUITE (default trixie)
#   DOCKER_SMOKE_KEEP=1  keep the work directory (images, logs) for a look afterwards
#   DOCKER_SMOKE_CACHE=<dir>  keep the base image there (docker save) and reuse it on the next run,
#                        for repeated runs on one machine; CI starts fresh and makes it every time
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$SECONDS
say() { printf 'docker smoke: %s\n' "$*"; }
skip() { say "skipped: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "starting a Docker daemon needs root"
for tool in dockerd docker debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (apt-get install docker.io debootstrap)"
done
[ -f dist/test/fake-upstream/serve.js ] || npm run build --silent

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# trixie's nodejs is 20.19; bookworm's 18 is older than the engines field (>= 20.18.1) allows.
SUITE=${DEBIAN_SUITE:-trixie}
WORK=$(mktemp -d /tmp/copilot-api-docker-smoke.XXXXXX)
SOCK=$WORK/docker.sock
export DOCKER_HOST=unix://$SOCK
# The classic builder: Debian's docker.io comes without buildx, and nothing here needs BuildKit.
export DOCKER_BUILDKIT=0
DOCKERD_PID=
APP=copilot-api-smoke-app
FAKE=copilot-api-smoke-fake
VOLUME=copilot-api-smoke-data

cleanup() {
  local code=$? t=$SECONDS
  if [ -n "$DOCKERD_PID" ]; then
    docker rm -f "$APP" "$FAKE" >/dev/null 2>&1 || true
    kill "$DOCKERD_PID" 2>/dev/null || true
    # The daemon unmounts its layers and stops its containerd before it exits.
    for _ in $(seq 1 300); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DOCKERD_PID" 2>/dev/null || true
    # What the daemon leaves mounted (its default network namespace) would keep the directory busy.
    grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  if [ "$code" != 0 ] && [ -f "$WORK/dockerd.log" ]; then say "dockerd log (last lines):"; tail -n 20 "$WORK/dockerd.log" || true; fi
  if [ "${DOCKER_SMOKE_KEEP:-}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK" 2>/dev/null || true; fi
  [ -z "$DOCKERD_PID" ] || say "daemon stopped and its files removed in $((SECONDS - t)) s; $((SECONDS - started)) s in all"
  exit "$code"
}
trap cleanup EXIT

# ---- the daemon ----
dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
  --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" --host "unix://$SOCK" \
  >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
if ! docker version >/dev/null 2>&1; then
  reason=$(grep -m1 -iE 'level=(error|fatal)' "$WORK/dockerd.log" | sed 's/.*msg="\([^"]*\)".*/\1/' || true)
  DOCKER_SMOKE_KEEP=${DOCKER_SMOKE_KEEP:-} skip "the Docker daemon did not start${reason:+: $reason}"
fi
say "daemon up (pid $DOCKERD_PID) after $((SECONDS - started)) s"

proxy_args=()
for v in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!v:-}" ]; then proxy_args+=(--build-arg "$v"); fi
done

# ---- a Node.js base image made here: Debian, then Debian's nodejs and npm, a uid-1000 user ----
t=$SECONDS
CACHED=${DOCKER_SMOKE_CACHE:+$DOCKER_SMOKE_CACHE/node-base-$SUITE.tar}
if [ -n "$CACHED" ] && [ -f "$CACHED" ]; then
  docker load -q -i "$CACHED" >/dev/null
  say "base image loaded from $CACHED in $((SECONDS - t)) s"
else
  debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log"; say "debootstrap of $SUITE from $MIRROR failed"; exit 1; }
  tar -C "$WORK/rootfs" -c . | docker import - "copilot-api-smoke/debian:$SUITE" >/dev/null
  rm -rf "$WORK/rootfs"
  mkdir -p "$WORK/base/ca"
  # The machine's own extra CAs (update-ca-certificates reads *.crt from this directory).
  find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$WORK/base/ca/" \; 2>/dev/null || true
  cat >"$WORK/base/Dockerfile" <<EOF
FROM copilot-api-smoke/debian:$SUITE
COPY ca/ /usr/local/share/ca-certificates/
# As the public node image: node, npm, a "node" user with uid 1000. make and g++ too, as in node:20
# (not -slim), for native modules node-gyp has to compile (Debian's npm brings python3 and node-gyp).
# dpkg syncs every file it writes, several times slower on overlayfs; a failed build is simply redone.
RUN echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/unsafe-io \\
 && apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates nodejs npm make g++ \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/* \\
 && useradd --uid 1000 --user-group --create-home --shell /bin/sh node
# Node (and so npm) trusts the system bundle, which now holds the extra CAs.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
  docker build --network host "${proxy_args[@]}" -t copilot-api-smoke/node "$WORK/base" >"$WORK/base-build.log" 2>&1 \
    || { tail -n 40 "$WORK/base-build.log"; say "building the base image failed"; exit 1; }
  say "base image ($SUITE, $(docker run --rm --network none copilot-api-smoke/node node --version)) made in $((SECONDS - t)) s"
  if [ -n "$CACHED" ]; then mkdir -p "$DOCKER_SMOKE_CACHE" && docker save -o "$CACHED" copilot-api-smoke/node; fi
fi

# ---- the project's image, from its own Dockerfile ----
t=$SECONDS
docker build --network host "${proxy_args[@]}" --build-arg NODE_IMAGE=copilot-api-smoke/node -t copilot-api-smoke/app . >"$WORK/app-build.log" 2>&1 \
  || { tail -n 40 "$WORK/app-build.log"; say "building the project's image failed"; exit 1; }
say "project image built in $((SECONDS - t)) s"

# ---- the checks: the fake upstream and the server share one network namespace with no network ----
check() { say "ok: $*"; }
fail() { say "FAILED: $*"; docker logs "$APP" 2>&1 | tail -n 30 || true; exit 1; }
# In the app's namespace, from the app's own node (the image has no curl): prints the HTTP status.
status_of() {
  local headers=${2:-}
  docker exec "$APP" node -e "fetch('http://127.0.0.1:4141$1',{headers:JSON.parse(process.argv[1])}).then(r=>console.log(r.status),e=>{console.log(e.message);process.exit(1)})" "${headers:-"{}"}"
}

docker run -d --name "$FAKE" --network none --user 1000:1000 \
  -v "$ROOT/dist:/srv/dist:ro" -v "$ROOT/package.json:/srv/package.json:ro" \
  copilot-api-smoke/node node /srv/dist/test/fake-upstream/serve.js 18080 >/dev/null
FAKE_URL=http://127.0.0.1:18080
upstream_env=(-e "COPILOT_API_GITHUB_URL=$FAKE_URL" -e "COPILOT_API_GITHUB_API_URL=$FAKE_URL/api")
for _ in $(seq 1 100); do docker logs "$FAKE" 2>&1 | grep -q "listening on" && break; sleep 0.1; done
docker logs "$FAKE" 2>&1 | grep -q "listening on" || { docker logs "$FAKE"; fail "the fake upstream did not start"; }

# Log in with the device flow into the named volume, as a user does once: the token is stored there.
docker run --rm --network "container:$FAKE" -v "$VOLUME:/data" "${upstream_env[@]}" copilot-api-smoke/app auth >"$WORK/auth.log" 2>&1 \
  || { cat "$WORK/auth.log"; fail "auth against the fake"; }

docker run -d --name "$APP" --network "container:$FAKE" -v "$VOLUME:/data" "${upstream_env[@]}" \
  -e COPILOT_API_KEYS=smoke-key --health-interval 1s --health-start-period 30s copilot-api-smoke/app >/dev/null

[ "$(docker exec "$APP" id -u)" = 1000 ] || fail "the server does not run as uid 1000"
check "runs as uid 1000"
[ "$(docker exec "$APP" stat -c %a /data)" = 700 ] || fail "/data is $(docker exec "$APP" stat -c %a /data), not 700"
[ "$(docker exec "$APP" stat -c '%a %u' /data/github_token)" = "600 1000" ] || fail "the stored token is not 0600 and owned by uid 1000"
check "/data is 0700, the stored token 0600"

health=
for _ in $(seq 1 600); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$APP")
  [ "$health" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$APP")" = true ] || fail "the container stopped"
  sleep 0.1
done
[ "$health" = healthy ] || fail "not healthy by its HEALTHCHECK (state: $health)"
check "healthy by its HEALTHCHECK"

[ "$(status_of /v1/models)" = 401 ] || fail "GET /v1/models without a key is not 401"
[ "$(status_of /v1/models '{"authorization":"Bearer wrong"}')" = 401 ] || fail "a wrong key is not 401"
[ "$(status_of /v1/models '{"authorization":"Bearer smoke-key"}')" = 200 ] || fail "the key is refused"
answer=$(docker exec "$APP" node -e "fetch('http://127.0.0.1:4141/v1/chat/completions',{method:'POST',headers:{'x-api-key':'smoke-key','content-type':'application/json'},body:JSON.stringify({model:'gpt-4.1',messages:[{role:'user',content:'hi'}]})}).then(r=>r.json()).then(j=>console.log(j.choices[0].message.content))")
[[ "$answer" == "Hello from fake Copilot"* ]] || fail "chat through the fake answered: $answer"
check "401 without a key or with a wrong one; with the key, models and a chat answer from the fake"

t=$SECONDS
docker stop -t 20 "$APP" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$APP")
[ "$code" = 0 ] || fail "docker stop: exit code $code (137 means it had to be killed)"
check "docker stop: exit code 0 after $((SECONDS - t)) s"

docker rm -f "$APP" "$FAKE" >/dev/null
say "passed in $((SECONDS - started)) s"
