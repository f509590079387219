import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPlan } from '../src/config/index.js';
import { sipPasswordKey } from '../src/config/secrets.js';
import { soundUses } from '../src/prompts/uses.js';

// No Docker engine runs on the build machines: these checks read the files; nothing is built or run.
const compose = parse(readFileSync(new URL('../docker/compose.yaml', import.meta.url), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown; network_mode?: string; ports?: unknown; volumes?: (string | Bind)[]; environment?: Record<string, string>; restart?: string; secrets?: string[] }>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
type Bind = { type: string; source: string; target: string; read_only?: boolean; bind?: { create_host_path?: boolean } };
const binds = (service: string) => compose.services[service]!.volumes!.map((v) => (typeof v === 'string' ? { source: v.split(':')[0]!, target: v.split(':')[1]!, ro: v.endsWith(':ro'), create: true } : { source: v.source, target: v.target, ro: v.read_only === true, create: v.bind?.create_host_path !== false }));
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
});

describe('docker/compose.yaml: Asterisk reads our dialplan/ and the files asterisk-config writes (static)', () => {
  it('mounts each dialplan/ file read-only where Asterisk reads it, and every one exists in the repository', () => {
    const mounts = binds('asterisk').filter((b) => b.source.startsWith('../dialplan/') && !b.source.includes('generated'));
    // Every shipped file except the two templates asterisk-config fills in (ari.conf, manager.conf).
    const shipped = readdirSync(new URL('../dialplan/', import.meta.url)).filter((f) => f.endsWith('.conf') && f !== 'ari.conf' && f !== 'manager.conf');
    expect(shipped).toEqual(expect.arrayContaining(['extensions.conf', 'pjsip.conf', 'http.conf', 'modules.conf', 'musiconhold.conf', 'logger.conf', 'indications.conf']));
    for (const f of shipped) {
      expect(mounts, f).toContainEqual(expect.objectContaining({ source: `../dialplan/${f}`, target: `/etc/asterisk/${f}`, ro: true }));
      expect(existsSync(new URL(`../dialplan/${f}`, import.meta.url)), f).toBe(true);
    }
  });

  it('ari.conf, manager.conf and voicemail.conf come from dialplan/generated (passwords filled in), and a missing file fails the start', () => {
    const generated = binds('asterisk').filter((b) => b.source.startsWith('../dialplan/generated'));
    expect(generated.map((b) => [b.source, b.target])).toEqual([
      ['../dialplan/generated/ari.conf', '/etc/asterisk/ari.conf'],
      ['../dialplan/generated/manager.conf', '/etc/asterisk/manager.conf'],
      ['../dialplan/generated/voicemail.conf', '/etc/asterisk/voicemail.conf'],
      // pjsip.conf and extensions.conf #include generated/...: relative to /etc/asterisk.
      ['../dialplan/generated', '/etc/asterisk/generated'],
    ]);
    for (const b of generated) expect(b).toMatchObject({ ro: true, create: false });
  });
});

describe('docker/compose.yaml: Asterisk has the prompts (static)', () => {
  it("mounts pbx-router's shipped prompts read-only where Asterisk reads sounds, one folder per language, and each is in the repository", () => {
    for (const lang of ['en', 'es']) {
      expect(binds('asterisk')).toContainEqual(expect.objectContaining({ source: `../sounds/${lang}/pbx-router`, target: `/var/lib/asterisk/sounds/${lang}/pbx-router`, ro: true }));
      expect(existsSync(new URL(`../sounds/${lang}/pbx-router/oncall-urgent-call.wav`, import.meta.url)), lang).toBe(true);
    }
  });

  it("mounts the example clinic's prompt folders from sounds/clinic (where `prompts generate --out ../sounds/clinic` writes)", () => {
    const folders = new Set(soundUses(loadPlan('config/example-clinic.yaml').plan!).filter((u) => u.source === 'clinic' && u.played).map((u) => `${u.language}/${u.sound.split('/')[0]}`));
    for (const f of folders) expect(binds('asterisk')).toContainEqual(expect.objectContaining({ source: `../sounds/clinic/${f}`, target: `/var/lib/asterisk/sounds/${f}`, ro: true }));
  });
});

describe('docker/compose.yaml: secrets come from the secrets file, never from compose or .env (static)', () => {
  it('the engine reads the secrets file as a compose secret, named by PBX_ROUTER_SECRETS', () => {
    const engine = compose.services.engine!;
    expect(engine.secrets).toEqual(['pbx-router']);
    expect(engine.environment!.PBX_ROUTER_SECRETS).toBe('/run/secrets/pbx-router');
    expect(compose.secrets['pbx-router']!.file).toBe('${PBX_ROUTER_SECRETS_FILE:-/etc/pbx-router/secrets.env}');
  });

  it('no password or token is in any environment, in .env.example, or filled in in secrets.env.example', () => {
    for (const s of Object.values(compose.services)) for (const key of Object.keys(s.environment ?? {})) expect(key).not.toMatch(/PASSWORD|TOKEN|SECRET$/);
    expect(readFileSync(new URL('../docker/.env.example', import.meta.url), 'utf8')).not.toMatch(/^[A-Z_]*(PASSWORD|TOKEN)=/m);
    const example = readFileSync(new URL('../docker/secrets.env.example', import.meta.url), 'utf8');
    for (const line of example.split('\n').filter((l) => /^[A-Z]/.test(l))) expect(line).toMatch(/^[A-Z0-9_]+=$/);
  });

  it('secrets.env.example lists what the engine and asterisk-config read, with a line for every desk phone of the example clinic', () => {
    const keys = readFileSync(new URL('../docker/secrets.env.example', import.meta.url), 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => l.split('=')[0]);
    for (const k of ['ASTERISK_ARI_PASSWORD', 'ASTERISK_AMI_PASSWORD', 'PBX_ROUTER_ADMIN_TOKEN', 'SMTP_PASSWORD']) expect(keys).toContain(k);
    for (const a of loadPlan('config/example-clinic.yaml').plan!.agents.values()) expect(keys).toContain(sipPasswordKey(a.endpoint));
  });
});

describe('docker/Dockerfile (static)', () => {
  it('ships dialplan/ for asterisk-config in the image, but never the generated files with passwords', () => {
    expect(stages.at(-1)).toMatch(/^COPY dialplan \.\/dialplan$/m);
    const ignored = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n');
    for (const p of ['dialplan/generated/', '**/secrets.env', 'docker/.env', 'node_modules/']) expect(ignored).toContain(p);
  });

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
