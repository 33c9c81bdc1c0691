# syntax=docker/dockerfile:1
# Build stage: bundle the TypeScript with the full toolchain (scripts/build-server.ts).
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
# The MCP App view is built into dist/ui/ beside the server, and the server bundled into dist/main.js.
COPY ui ./ui
COPY scripts/build-view.ts scripts/build-server.ts ./scripts/
RUN npm run build

# Runtime stage: production dependencies and the compiled server only.
FROM node:22-slim AS runtime
# A heap limit fit for a 512 MB machine (fly.toml): V8 would size it from the host otherwise.
# Raise it with a bigger machine: -e NODE_OPTIONS=--max-old-space-size=1024.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 NODE_OPTIONS=--max-old-space-size=256
WORKDIR /app
COPY package.json package-lock.json ./
# Optional packages stay: sharp's prebuilt binary for this platform is one (image previews). typescript
# arrives as an optional peer of valibot and is not needed at run time. The last step proves sharp loads.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf node_modules/typescript \
  && npm cache clean --force && node -e "import('sharp').then((s) => s.default.versions)"
COPY --from=build /app/dist ./dist
# The registry entry (server.json), also served as /.well-known/mcp/server-card.json.
COPY server.json ./
USER node
EXPOSE 8080
# No curl in the slim image: Node's own fetch checks /health.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node runs as PID 1 with no shell in between, so SIGTERM reaches it and the drain runs.
CMD ["node", "dist/main.js"]
