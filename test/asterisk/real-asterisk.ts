/**
 * A real Asterisk 22.10.1 for the test tier, from the shared build (`../shared/asterisk/dist/`),
 * installed the way `docker/compose.yaml` installs the project's files: every `../dialplan/...`
 * file the compose file mounts into `/etc/asterisk` is copied to the same name, the files that
 * `pbx-router asterisk-config` generates come from the real command (test config, test secrets),
 * and the sounds mounted under `/var/lib/asterisk/sounds` are linked beside Debian's prompts. Nothing
 * here is written by hand for the test, so what is tested is what a clinic deploys.
 *
 * Every directory of `asterisk.conf` is inside one temporary folder, so nothing touches `/opt` or `/var`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/** The repository root (this file is test/asterisk/real-asterisk.ts). */
export const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** Where the shared build is looked for: PBX_ASTERISK_DIST, else ../shared/asterisk/dist beside the clone. */
export function findAsteriskTarball(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.PBX_ASTERISK_DIST ?? resolve(REPO, '../shared/asterisk/dist');
  if (dir.endsWith('.tar.xz')) return existsSync(dir) ? dir : null;
  if (!existsSync(dir)) return null;
  const tarball = readdirSync(dir).find((f) => /^asterisk-22\.[0-9.]+-.*\.tar\.xz$/.test(f));
  return tarball ? join(dir, tarball) : null;
}

/** Debian's prompts and music on hold, as installed by asterisk-core-sounds-en-wav and asterisk-moh-opsound-wav. */
export const DEBIAN_SOUNDS = '/usr/share/asterisk/sounds/en_US_f_Allison';
export const DEBIAN_MOH = '/usr/share/asterisk/moh';

export interface RealAsteriskOptions {
  readonly tarball: string;
  /** The routing config that asterisk-config generates from. */
  readonly config: string;
  /** KEY=value secrets (ARI, AMI, desk phone passwords, failsafe PIN). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly log?: (m: string) => void;
}

interface Mount {
  readonly source: string;
  readonly target: string;
}

/** The asterisk service's bind mounts in docker/compose.yaml (short and long syntax; named volumes left out). */
export function composeMounts(composeFile = join(REPO, 'docker/compose.yaml')): Mount[] {
  const doc = parse(readFileSync(composeFile, 'utf8')) as { services: { asterisk: { volumes: (string | { type?: string; source: string; target: string })[] } } };
  const out: Mount[] = [];
  for (const v of doc.services.asterisk.volumes) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source && target && source.startsWith('.')) out.push({ source: resolve(REPO, 'docker', source), target });
    } else if (v.type === 'bind') out.push({ source: resolve(REPO, 'docker', v.source), target: v.target });
  }
  return out;
}

/** One Asterisk process with its own folder; start() boots it, stop() ends it and removes the folder. */
export class RealAsterisk {
  readonly root: string;
  readonly home: string;
  readonly etc: string;
  readonly data: string;
  readonly spool: string;
  readonly logDir: string;
  private proc: ChildProcess | null = null;
  private readonly log: (m: string) => void;

  constructor(private readonly o: RealAsteriskOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'pbx-asterisk-'));
    this.home = join(this.root, 'asterisk-22');
    this.etc = join(this.root, 'etc');
    this.data = join(this.root, 'data');
    this.spool = join(this.root, 'spool');
    this.logDir = join(this.root, 'log');
    this.log = o.log ?? (() => {});
  }

  /** Where Asterisk's binaries and libraries were extracted. */
  private get dist(): string {
    const dirs = readdirSync(this.home);
    return join(this.home, dirs.find((d) => d.startsWith('asterisk-')) ?? dirs[0]!);
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, LD_LIBRARY_PATH: join(this.dist, 'lib') };
  }

  /**
   * Extracts the build, installs the project's files and the generated ones, and writes
   * asterisk.conf. `generate` writes what a clinic generates before `docker compose up`: the
   * asterisk-config files into `generated` (compose: ../dialplan/generated) and the clinic's
   * prompts into `sounds` (compose: ../sounds/clinic).
   */
  async install(generate: (out: { generated: string; sounds: string }, secretsFile: string) => Promise<void>): Promise<void> {
    mkdirSync(this.home, { recursive: true });
    await run('tar', ['-xJf', this.o.tarball, '-C', this.home]);
    const dist = this.dist;
    for (const d of ['etc', 'data/sounds', 'lib', 'db', 'keys/keys', 'agi', 'spool/recording', 'spool/voicemail', 'run', 'log', 'cache', 'generated']) mkdirSync(join(this.root, d), { recursive: true });
    symlinkSync(join(dist, 'var/lib/asterisk/rest-api'), join(this.data, 'rest-api'));
    symlinkSync(join(dist, 'var/lib/asterisk/documentation'), join(this.data, 'documentation'));
    symlinkSync(DEBIAN_MOH, join(this.data, 'moh'));
    // sounds/en holds Debian's English prompts, one link per entry, so that the project's own sound
    // folders (mounted by compose under sounds/<lang>/) can sit beside them.
    const en = join(this.data, 'sounds/en');
    mkdirSync(en, { recursive: true });
    for (const f of readdirSync(DEBIAN_SOUNDS)) symlinkSync(join(DEBIAN_SOUNDS, f), join(en, f));

    const secrets = join(this.root, 'secrets.env');
    writeFileSync(secrets, Object.entries(this.o.secrets).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    chmodSync(secrets, 0o600);
    const generated = join(this.root, 'generated');
    const clinicSounds = join(this.root, 'clinic-sounds');
    await generate({ generated, sounds: clinicSounds }, secrets);

    // What compose mounts from folders a clinic generates comes from this run's own copies.
    const local: [string, string][] = [
      [join(REPO, 'dialplan/generated'), generated],
      [join(REPO, 'sounds/clinic'), clinicSounds],
    ];
    for (const m of composeMounts()) {
      const mapped = local.find(([repo]) => m.source === repo || m.source.startsWith(`${repo}/`));
      const source = mapped ? mapped[1] + m.source.slice(mapped[0].length) : m.source;
      const target = this.localPath(m.target);
      if (!target) continue;
      if (!existsSync(source)) throw new Error(`docker/compose.yaml mounts ${m.source}, which does not exist`);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      if (m.target.startsWith('/etc/asterisk/') && !m.target.endsWith('/generated')) copyFileSync(source, target);
      // A sound folder: the files are linked one by one, so another mount may share the folder.
      else symlinkSync(source, target);
    }
    const dirs: Record<string, string> = {
      astetcdir: this.etc,
      astmoddir: join(dist, 'lib/asterisk/modules'),
      astvarlibdir: join(this.root, 'lib'),
      astdbdir: join(this.root, 'db'),
      astkeydir: join(this.root, 'keys'),
      astdatadir: this.data,
      astagidir: join(this.root, 'agi'),
      astspooldir: this.spool,
      astrundir: join(this.root, 'run'),
      astlogdir: this.logDir,
      astsbindir: join(dist, 'sbin'),
      astcachedir: join(this.root, 'cache'),
    };
    writeFileSync(join(this.etc, 'asterisk.conf'), `[directories]\n${Object.entries(dirs).map(([k, v]) => `${k} => ${v}`).join('\n')}\n\n[options]\n${this.nodeOverlay(join(generated, 'node'))}`);
  }

  /**
   * A cluster node (`asterisk-config --node` wrote generated/node/): its pjsip.conf, http.conf and
   * rtp.conf replace the single-box copies, as a node's deployment mounts them; returns the
   * [options] lines of its asterisk.conf (entityid) for this run's own asterisk.conf.
   */
  private nodeOverlay(dir: string): string {
    if (!existsSync(dir)) return '';
    let options = '';
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      if (f !== 'asterisk.conf') writeFileSync(join(this.etc, f), text);
      else options = text.split('\n').slice(text.split('\n').findIndex((l) => l.trim() === '[options]') + 1).join('\n');
    }
    return options;
  }

  /** The test folder's path for a path inside the Asterisk container (/etc/asterisk, /var/lib/asterisk, /var/spool/asterisk). */
  private localPath(containerPath: string): string | null {
    const map: [string, string][] = [
      ['/etc/asterisk', this.etc],
      ['/var/lib/asterisk', this.data],
      ['/var/spool/asterisk', this.spool],
    ];
    for (const [prefix, local] of map) if (containerPath === prefix || containerPath.startsWith(`${prefix}/`)) return local + containerPath.slice(prefix.length);
    return null;
  }

  /** Starts Asterisk in the foreground of a child process and waits until it is fully booted. */
  async start(): Promise<void> {
    const conf = join(this.etc, 'asterisk.conf');
    this.proc = spawn(join(this.dist, 'sbin/asterisk'), ['-C', conf, '-f', '-g'], { env: this.env(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.on('data', (d: Buffer) => this.log(`asterisk: ${d.toString().trim()}`));
    const exited = new Promise<never>((_, reject) => this.proc!.once('exit', (code) => reject(new Error(`Asterisk exited at start (code ${code}); see ${this.logDir}/messages.log`))));
    exited.catch(() => {});
    const deadline = Date.now() + 30_000;
    for (;;) {
      const booted = await this.cli('core waitfullybooted').then(
        (out) => out.includes('fully booted'),
        () => false,
      );
      if (booted) return;
      if (this.proc.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`Asterisk did not boot within 30 s; see ${this.logDir}/messages.log`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Runs an Asterisk CLI command (`asterisk -rx`) and returns its output. */
  async cli(command: string): Promise<string> {
    const { stdout } = await run(join(this.dist, 'sbin/asterisk'), ['-C', join(this.etc, 'asterisk.conf'), '-rx', command], { env: this.env(), timeout: 10_000 });
    return stdout;
  }

  /** `Asterisk 22.10.1 built by ...` */
  async version(): Promise<string> {
    return (await this.cli('core show version')).trim();
  }

  /** Asterisk's messages.log (notices, warnings, errors) so far. */
  messages(): string {
    const f = join(this.logDir, 'messages.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Stops Asterisk now (`core stop now`), killing it if it does not end within 10 s. */
  async stopProcess(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    await this.cli('core stop now').catch(() => undefined);
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await ended;
    clearTimeout(timer);
    this.proc = null;
  }

  /** `kill -9` of the Asterisk process (a crashed node: no BYE, no SIP goodbye); resolves when it is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await ended;
    this.proc = null;
  }

  /** Restarts Asterisk (every call it had is gone, as after a crash of the PBX). */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.start();
  }

  /** Stops Asterisk and removes its folder (kept with PBX_KEEP_ASTERISK=1 for a post-mortem). */
  async stop(): Promise<void> {
    await this.stopProcess();
    if (process.env.PBX_KEEP_ASTERISK === '1') this.log(`kept ${this.root}`);
    else rmSync(this.root, { recursive: true, force: true });
  }
}
