import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs on the build machines: these checks read the files; nothing is built or run.
const compose = parse(readFileSync(new URL('../docker/compose.yaml', import.meta.url), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown; network_mode?: string; ports?: unknown; volumes?: string[]; environment?: Record<string, string>; restart?: string }>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(new URL('../docker/Dockerfile', import.meta.url), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

describe('docker/compose.yaml (static)', () => {
  it('runs a pinned public Asterisk 22 image beside the engine image', () => {
    expect(compose.services.asterisk!.image).toMatch(/^andrius\/asterisk:22(\.\d+)*$/);
    expect(compose.services.engine!.build).toBeDefined();
    for (const s of Object.values(compose.services)) expect(s.restart).toBe('unless-stopped');
  });

  it('publishes nothing: host networking, with ARI, AMI and the admin API bound to loopback in their own configs', () => {
    for (const s of Object.values(compose.services)) {
      expect(s.network_mode).toBe('host');
      expect(s.ports).toBeUndefined();
    }
  });

  it('keeps recordings, voicemail and the database in volumes', () => {
    expect(compose.services.asterisk!.volumes).toContain('asterisk-recordings:/var/spool/asterisk/recording');
    expect(compose.services.engine!.volumes).toContain('engine-data:/var/lib/pbx-router');
    expect(Object.keys(compose.volumes)).toEqual(['asterisk-recordings', 'asterisk-voicemail', 'engine-data']);
  });

  it('takes every secret from the environment (.env), never a literal', () => {
    for (const s of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|TOKEN|SECRET/.test(key)) expect(value, key).toMatch(/^\$\{[A-Z_]+(:[?-][^}]*)?\}$/);
      }
    }
    const example = readFileSync(new URL('../docker/.env.example', import.meta.url), 'utf8');
    for (const line of example.split('\n').filter((l) => /PASSWORD=|TOKEN=/.test(l))) expect(line).toMatch(/=$/);
  });
});

describe('docker/Dockerfile (static)', () => {
  it('uses a pinned Node LTS base in every stage', () => {
    expect(stages.length).toBe(2);
    for (const s of stages) expect(s.split('\n')[0]).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim( AS \w+)?$/);
  });

  it('ships production dependencies only and runs as a non-root user', () => {
    expect(dockerfile).toContain('npm prune --omit=dev');
    const final = stages.at(-1)!;
    expect(final).not.toMatch(/npm (ci|install)/);
    expect(final).toMatch(/^USER node$/m);
    expect(final.indexOf('USER node')).toBeLessThan(final.indexOf('ENTRYPOINT'));
  });

  it('has a healthcheck against /healthz', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD .*\/healthz/m);
  });
});
