# The service image: API, worker and CloudSign simulator share it (docker-compose.yml picks the command).
# The Node LTS the tests run on (scripts/node-lts.sh).
FROM node:24.22.3-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so the dev dependencies that only tests need are left out.
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY scripts ./scripts
RUN mkdir -p /data/files && chown node:node /data/files
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
