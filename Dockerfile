# syntax=docker/dockerfile:1
# The CLI as a container image, for cron, GitLab CI, Jenkins and Kubernetes (docs/outside-github.md).
# Stage 1 bundles the CLI from source exactly as `npm run package` does for dist/; stage 2 is Node alone with
# that one file and its licenses, run as the unprivileged `node` user. The base is pinned by version and
# digest (the multi-platform index): bump both together.
ARG NODE_IMAGE=node:24.11.1-alpine3.22@sha256:2867d550cf9d8bb50059a0fff528741f11a84d985c732e60e19e8e75c7239c43

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run package

FROM ${NODE_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title="nexus-image-lifecycle" \
      org.opencontainers.image.description="Keep Nexus 3 and OCI registries clean: keep the N newest versions per image, delete the rest safely" \
      org.opencontainers.image.source="https://github.com/your-org/nexus-image-lifecycle" \
      org.opencontainers.image.documentation="https://github.com/your-org/nexus-image-lifecycle/blob/main/docs/outside-github.md" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=build /src/dist/cli/index.js /src/dist/cli/licenses.txt /app/
COPY --from=build /src/LICENSE /app/LICENSE
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "/app/index.js"]
CMD ["--help"]
