# copilot-api in a container. Build:  docker build -t copilot-api .
# Run (publish on loopback only; the token comes from the environment at run time):
#   docker run -d --name copilot-api -p 127.0.0.1:4141:4141 -e GH_TOKEN -v copilot-api-data:/data copilot-api
# Secrets never go in as build arguments: they would stay in the image layers (known-failures S3).
#
# NODE_IMAGE: the Node.js base image (>= 20.18, Debian-based, with a uid-1000 "node" user), e.g. a
# mirror's copy of node:20-slim, or the locally made one scripts/docker-smoke.sh builds with.
ARG NODE_IMAGE=node:20-slim

# ---- build: all dependencies, compile TypeScript ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" would run tsc before the sources are here. `npm rebuild` then runs the
# dependencies' own install scripts. A native module downloads its prebuilt binary when it can;
# where it can't (no access to GitHub), node-gyp compiles it, which needs python3, make and g++.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && if ! npm rebuild; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/* && npm rebuild; \
    fi
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/
# Only src is copied, so only src is compiled (tests and benchmarks stay out of the image), then
# bundled into the files the image runs; the dev dependencies are dropped afterwards.
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies (built above) and the compiled server only ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    COPILOT_API_HOME=/data
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/copilot-api.mjs ./dist/copilot-api.mjs
COPY --from=build /app/dist/chunks ./dist/chunks
# The data dir (GitHub token from `auth`, device ids) belongs to the unprivileged "node" user of the
# base image; a named volume mounted here starts out with this ownership.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
VOLUME ["/data"]
USER node
EXPOSE 4141
# /health stays open even with API keys. slim images have no curl: use node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4141)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/copilot-api.mjs"]
# 0.0.0.0 inside the container is what lets `-p` reach it at all; publish it on the host's
# loopback (-p 127.0.0.1:4141:4141), or set COPILOT_API_KEYS before publishing it more widely.
CMD ["start", "--host", "0.0.0.0"]
