# Liaison: one image for every process (`liaison serve`, `liaison worker`, `liaison connect`, …).
# docs/deploy.md shows it in use with compose.yaml.

FROM node:20-slim AS build
WORKDIR /app
# Dependencies first, so a change to the sources does not reinstall them. The scripts run after
# the sources are in (`prepare` builds them); better-sqlite3's native part is fetched or built then.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm rebuild better-sqlite3 \
  && npm run build \
  && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN chmod 0755 bin/liaison.js \
  && ln -s /app/bin/liaison.js /usr/local/bin/liaison \
  && mkdir -p /var/lib/liaison/keys /var/lib/liaison/files \
  && chown -R node:node /var/lib/liaison \
  && chmod -R 0700 /var/lib/liaison
# Never root. A volume mounted on /var/lib/liaison/keys (a vault's signing key) or
# /var/lib/liaison/files (--blob-store fs:) starts as these folders are: the node user's, 0700.
USER node
EXPOSE 4100
# Health checks belong to the API processes only (a worker serves no HTTP): compose.yaml sets
# them on `serve`, against GET /ready.
CMD ["liaison", "--help"]
