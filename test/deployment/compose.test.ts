import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/*
 * Docker does not run on the machines that test this project, so the compose file is checked for the
 * properties that make it work and safe by default: read as YAML, the way `docker compose` reads it.
 */

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  restart?: string;
  profiles?: string[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const env = (name: string) => services[name]!.environment ?? {};

describe('docker-compose.yml', () => {
  it('ships no secret: each one must be given, or start-up stops naming it', () => {
    for (const name of ['api', 'worker']) {
      expect(env(name).SECRETS_KEY).toMatch(/^\$\{SECRETS_KEY:\?.+\}$/);
      expect(env(name).BOOTSTRAP_ADMIN_TOKEN).toMatch(/^\$\{BOOTSTRAP_ADMIN_TOKEN:\?.+\}$/);
      expect(env(name).DATABASE_URL).toContain('${POSTGRES_PASSWORD:?');
      expect(env(name).SMTP_URL).toMatch(/^\$\{SMTP_URL:\?.+\}$/);
    }
    expect(env('postgres').POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    expect(env('temporal').POSTGRES_PWD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
  });

  it('publishes nothing beyond this host, and not the Temporal frontend or Postgres at all', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services.temporal!.ports).toBeUndefined();
    expect(services.postgres!.ports).toBeUndefined();
  });

  it('serves the Temporal Web UI without write actions', () => {
    expect(env('temporal-ui').TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
  });

  it('keeps demo stand-ins (simulator, Mailpit) out of a default start', () => {
    expect(services.mailpit!.profiles).toEqual(['demo']);
    expect(services['cloudsign-simulator']!.profiles).toEqual(['demo']);
  });

  it('gives the API and the worker the same PDF storage', () => {
    const mount = (name: string) => services[name]!.volumes?.find((v) => v.endsWith(`:${env(name).FILE_STORAGE_DIR}`));
    expect(mount('api')).toBeDefined();
    expect(mount('api')).toBe(mount('worker'));
  });

  it('registers every search attribute from the code and starts nothing if that fails', () => {
    const job = services['temporal-search-attributes']!;
    expect(job.command).toEqual(['npm', 'run', 'temporal:search-attributes']);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on?.['temporal-search-attributes']?.condition).toBe('service_completed_successfully');
    }
  });

  it('pins every image to a version, restarts long-running services and checks their health', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) expect(service.image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/);
      else expect(service.build, name).toBeDefined();
      if (name !== 'temporal-search-attributes') expect(service.restart, name).toBe('unless-stopped');
    }
    for (const name of ['postgres', 'temporal', 'api']) expect(services[name]!.healthcheck, name).toBeDefined();
  });
});

describe('Dockerfile', () => {
  it('runs the service on the maintained Node LTS that the tests run on', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const pinned = /^NODE_LTS_VERSION=(\d+)\.\d+\.\d+$/m.exec(readFileSync(new URL('../../scripts/node-lts.sh', import.meta.url), 'utf8'));
    const image = /^FROM node:(\d+\.\d+\.\d+)-/m.exec(dockerfile);
    expect(image?.[1]).toBe(pinned?.[0].split('=')[1]);
    // Even majors become LTS; 20 left maintenance on 2026-04-30.
    expect(Number(pinned?.[1]) % 2).toBe(0);
    expect(Number(pinned?.[1])).toBeGreaterThanOrEqual(22);
  });
});
