/**
 * `pbx-router run`: the engine, until SIGINT or SIGTERM; SIGHUP reloads the config. The admin API
 * listens on --admin-listen (PBX_ROUTER_ADMIN_LISTEN, default 127.0.0.1:8089); an address it cannot
 * take stops the start with one line naming it and the option, and a non-zero exit code.
 */
import type { Command } from 'commander';
import { parseAriUrl } from '../asterisk/ari-url.js';
import { DEFAULT_SECRETS_FILE, secretsEnv } from '../config/secrets.js';
import { parseListen } from '../http/errors.js';
import { isPostgresUrl, pairSettingsFromEnv, runEnginePair, type EnginePair } from '../cluster/engine-pair.js';
import { createLogger } from '../logging/logger.js';
import { secretsOf } from '../logging/redact.js';
import { ariSettingsFromEnv, DEFAULT_ADMIN_LISTEN, DEFAULT_DATABASE, startEngine, type EngineOptions, type RunningEngine } from '../main.js';
import { DEFAULT_CONFIG } from './zone.js';
import { InputError } from './inputs.js';
import { installProcessPolicy, type ProcessPolicy } from './process-policy.js';
import type { Io } from './io.js';

/**
 * SIGHUP reloads the config through the same path as the admin API's POST /reload: a bad config
 * is logged problem by problem and the running one stays. Returns a function that stops listening.
 */
export function reloadOnHangup(running: Pick<RunningEngine, 'reload'>): () => void {
  const onHangup = () => void running.reload();
  process.on('SIGHUP', onHangup);
  return () => void process.off('SIGHUP', onHangup);
}

/** --admin-listen, else PBX_ROUTER_ADMIN_LISTEN, else 127.0.0.1:8089; a value that is not host:port is an InputError. */
export function adminListen(option: string | undefined, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const text = option ?? (env.PBX_ROUTER_ADMIN_LISTEN || undefined);
  if (text === undefined) return DEFAULT_ADMIN_LISTEN;
  const where = option !== undefined ? '--admin-listen' : 'PBX_ROUTER_ADMIN_LISTEN';
  const at = parseListen(text);
  if (!at) throw new InputError(`${where} '${text}' is not host:port (e.g. 127.0.0.1:8089, or [::1]:8089)`);
  return at;
}

/** Adds `run` to the program. */
export function addRunCommand(program: Command, io: Io, setCode: (c: number) => void): void {
  program
    .command('run')
    .description('run the engine: answer and route calls on Asterisk through ARI')
    .option('-c, --config <file>', 'config file or folder (env PBX_ROUTER_CONFIG)', DEFAULT_CONFIG)
    .option('--ari-url <url>', 'ARI base URL (env ASTERISK_ARI_URL; default http://127.0.0.1:8088)')
    .option('--ari-user <user>', 'ARI user (env ASTERISK_ARI_USER; default router)')
    .option('--app <name>', 'ARI application name (env ARI_APP; default pbx-router)')
    .option('--db <file|url>', 'SQLite database file, or a postgres:// URL for an active/standby pair (env PBX_ROUTER_DB)', DEFAULT_DATABASE)
    .option('--secrets <file>', `secrets file, KEY=value, chmod 600 (env PBX_ROUTER_SECRETS; default ${DEFAULT_SECRETS_FILE} if it exists)`)
    .option('--admin-listen <host:port>', `where the admin API listens (env PBX_ROUTER_ADMIN_LISTEN; default ${DEFAULT_ADMIN_LISTEN.host}:${DEFAULT_ADMIN_LISTEN.port}); it is started only with PBX_ROUTER_ADMIN_TOKEN`)
    .action(async (o: { config: string; ariUrl?: string; ariUser?: string; app?: string; db: string; secrets?: string; adminListen?: string }) => {
      const env = secretsEnv(o.secrets);
      const listen = adminListen(o.adminListen, env);
      const ari = ariSettingsFromEnv(env);
      const given = o.ariUrl !== undefined ? parseAriUrl(o.ariUrl, '--ari-url') : undefined;
      const password = ari.password ?? given?.password;
      if (!password) throw new InputError('set the ARI password (ASTERISK_ARI_PASSWORD) in the secrets file or the environment; it never goes in the routing config');
      const policy = installProcessPolicy((line) => io.err(line));
      // PBX_ROUTER_DB and PGPASSWORD may come from the secrets file (a database URL is a secret when it holds a password).
      const database = o.db === DEFAULT_DATABASE && env.PBX_ROUTER_DB ? env.PBX_ROUTER_DB : o.db;
      if (env.PGPASSWORD && process.env.PGPASSWORD === undefined) process.env.PGPASSWORD = env.PGPASSWORD;
      const options: EngineOptions = { config: o.config, ariUrl: o.ariUrl ?? ari.url, ariUser: o.ariUser ?? env.ASTERISK_ARI_USER ?? env.ARI_USER ?? given?.user ?? ari.user, ariPassword: password, app: o.app ?? ari.app, database, env, adminListen: listen, ...(env.PBX_ROUTER_ADMIN_TOKEN ? { adminToken: env.PBX_ROUTER_ADMIN_TOKEN } : {}) };
      if (isPostgresUrl(o.db)) return runPair(options, env, policy, io, setCode);
      let running: RunningEngine;
      try {
        running = await startEngine(options);
      } catch (e) {
        policy.dispose();
        io.err(`error: ${(e as Error).message}`);
        setCode(1);
        return;
      }
      policy.attach(running);
      await new Promise<void>((resolve) => {
        const stop = () => {
          io.err('stopping: calls in Stasis stay in Asterisk and are resumed by the next start');
          void running.stop().then(() => {
            policy.dispose();
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        reloadOnHangup(running);
      });
    });
}

/**
 * `run` on a PostgreSQL store: one engine of an active/standby pair (src/cluster/engine-pair.ts).
 * It waits as a standby until it holds the lease, then starts the engine with the lease's epoch;
 * losing the lease stops the engine at once and makes it a standby again.
 */
async function runPair(options: EngineOptions, env: NodeJS.ProcessEnv, policy: ProcessPolicy, io: Io, setCode: (c: number) => void): Promise<void> {
  const logger = createLogger({ level: env.LOG_LEVEL, secrets: secretsOf(env, [options.ariPassword, options.adminToken]) }).child({ component: 'cluster' });
  let current: RunningEngine | null = null;
  let pair: EnginePair;
  let fatal: (e: unknown) => void = () => {};
  const failed = new Promise<unknown>((r) => (fatal = r));
  try {
    pair = await runEnginePair({
      settings: pairSettingsFromEnv(options.database, env),
      log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
      ...(options.adminToken ? { admin: { ...(options.adminListen ?? DEFAULT_ADMIN_LISTEN), token: options.adminToken } } : {}),
      start: async (lead) => {
        const running = await startEngine({ ...options, leadership: { leaseName: lead.term.name, holder: lead.term.holder, epoch: lead.term.epoch, leading: () => lead.leading(), replaced: () => lead.replaced() } });
        current = running;
        policy.attach(running);
        return {
          halt: () => running.halt(),
          stop: async () => {
            if (current === running) current = null;
            await running.stop();
          },
        };
      },
      onFatal: (e) => fatal(e),
    });
  } catch (e) {
    policy.dispose();
    io.err(`error: ${(e as Error).message}`);
    setCode(1);
    return;
  }
  const onHangup = () => void current?.reload();
  process.on('SIGHUP', onHangup);
  const outcome = await Promise.race([
    new Promise<'signal'>((resolve) => {
      process.once('SIGINT', () => resolve('signal'));
      process.once('SIGTERM', () => resolve('signal'));
    }),
    failed.then((e) => e),
  ]);
  process.off('SIGHUP', onHangup);
  if (outcome === 'signal') io.err('stopping: the lease is released so the standby takes over at once; calls in Stasis stay in Asterisk for it');
  else {
    io.err(`error: ${(outcome as Error).message}`);
    setCode(1);
  }
  await pair.stop();
  policy.dispose();
}
