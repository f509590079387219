/** Operator commands against a running engine's admin API: status, agent pause|unpause, reload, mode. */
import type { Command } from 'commander';
import { secretsEnv } from '../config/secrets.js';
import { InputError } from './inputs.js';
import type { Io } from './io.js';
import type { PromptReport } from '../prompts/monitor.js';

/** The status line about prompts missing on the Asterisk. */
export function promptsLine(p: PromptReport | null | undefined): string {
  if (!p || p.checkedAt === null) return 'prompts: not checked yet (checked once the engine is connected to Asterisk)';
  const error = p.error ? ` (last check failed: ${p.error})` : '';
  if (p.missing.length === 0) return `prompts: all on the Asterisk${p.englishOnly ? `, ${p.englishOnly} heard in English by callers of another language` : ''}${error}`;
  return `prompts: ${p.missing.length} missing on the Asterisk, callers hear silence there${error}: ${p.missing.map((m) => `${m.sound} (${m.language})`).join(', ')}; \`pbx-router prompts check\` says where each is used`;
}

interface Target {
  readonly engine: string;
  readonly token: string | undefined;
}

async function call(t: Target, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  if (!t.token) throw new InputError('set PBX_ROUTER_ADMIN_TOKEN (the token the engine was started with) in the secrets file (--secrets, PBX_ROUTER_SECRETS) or the environment');
  let res: Response;
  try {
    res = await fetch(`${t.engine}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5000),
    });
  } catch (e) {
    throw new InputError(`cannot reach the engine at ${t.engine} (${(e as Error).message}); is \`pbx-router run\` running with PBX_ROUTER_ADMIN_TOKEN?`);
  }
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** The running engine's admin API: PBX_ROUTER_ADMIN_URL, else where PBX_ROUTER_ADMIN_LISTEN says `run` listens, else 127.0.0.1:8089. */
export function defaultAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PBX_ROUTER_ADMIN_URL) return env.PBX_ROUTER_ADMIN_URL;
  const listen = env.PBX_ROUTER_ADMIN_LISTEN?.trim();
  // The engine listening on every address is reached on loopback.
  return listen ? `http://${listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}` : 'http://127.0.0.1:8089';
}

const engineOption = (c: Command) =>
  c.option('--engine <url>', 'the engine admin API (env PBX_ROUTER_ADMIN_URL, else http://<PBX_ROUTER_ADMIN_LISTEN>)', defaultAdminUrl()).option('--secrets <file>', 'secrets file with PBX_ROUTER_ADMIN_TOKEN (env PBX_ROUTER_SECRETS)');
const target = (o: { engine: string; secrets?: string }): Target => ({ engine: o.engine, token: secretsEnv(o.secrets).PBX_ROUTER_ADMIN_TOKEN });

/** Adds status, agent, reload; returns a function `mode` uses to set the mode on the engine. */
export function addAdminCommands(program: Command, io: Io, setCode: (c: number) => void): (mode: string, site: string | undefined, engine: string, secrets?: string) => Promise<void> {
  const fail = (r: { status: number; json: Record<string, unknown> }) => {
    io.err(`error: ${String(r.json.error ?? `HTTP ${r.status}`)}`);
    for (const p of (r.json.problems as string[] | undefined) ?? []) io.err(p);
    setCode(1);
  };
  engineOption(program.command('status').description('the running engine: ARI and AMI, config version, calls, queues, agents'))
    .option('--json', 'print JSON')
    .action(async (o: { engine: string; secrets?: string; json?: boolean }) => {
      const r = await call(target(o), 'GET', '/status');
      if (r.status !== 200) return fail(r);
      if (o.json) return io.out(JSON.stringify(r.json, null, 2));
      const s = r.json as { ari: string; ami: string | null; configVersion: string; callsInProgress: number; queues: { id: string; waiting: number; longestWait: number }[]; agents: { id: string; name: string; state: string }[]; modes: Record<string, string> };
      const pair = r.json as { role?: string; engine?: string; epoch?: number | null; leader?: string | null };
      if (pair.role) io.out(`engine ${pair.engine ?? '?'}: ${pair.role}${pair.epoch != null ? ` at lease epoch ${pair.epoch}` : ''}${pair.role === 'standby' ? `; leader ${pair.leader ?? 'none (lease free or expired)'}` : ''}`);
      if (pair.role === 'standby') return;
      const nodes = (r.json.nodes as { name: string; state: string; lost: boolean }[] | undefined) ?? [];
      if (nodes.length) io.out(`Asterisk nodes: ${nodes.map((n) => `${n.name} ${n.lost ? 'LOST' : n.state}`).join(', ')}`);
      io.out(`ARI ${s.ari}; AMI ${s.ami ?? 'not configured'}; config ${s.configVersion}; ${s.callsInProgress} call(s) in progress; mode ${Object.entries(s.modes).map(([k, v]) => `${k === '*' ? 'all sites' : k}=${v}`).join(', ') || 'auto'}`);
      for (const q of s.queues) io.out(`  queue ${q.id}: ${q.waiting} waiting, longest ${q.longestWait}s`);
      for (const a of s.agents) io.out(`  agent ${a.id} (${a.name}): ${a.state}`);
      io.out(`  ${promptsLine(r.json.prompts as PromptReport | null | undefined)}`);
      const wedged = (r.json.wedged as { channel: string; call: string | null; since: number }[] | undefined) ?? [];
      if (wedged.length) io.out(`  WEDGED: ${wedged.length} channel(s) Asterisk no longer acts on (${wedged.map((w) => `${w.channel}${w.call ? ` of call ${w.call}` : ''}`).join(', ')}): restart Asterisk to free them`);
    });
  const agent = program.command('agent').description('pause or unpause an agent on the running engine');
  for (const verb of ['pause', 'unpause'] as const) {
    engineOption(agent.command(verb).argument('<id>', 'agent id')).action(async (id: string, o: { engine: string; secrets?: string }) => {
      const r = await call(target(o), 'POST', `/agents/${encodeURIComponent(id)}/${verb}`);
      if (r.status !== 200) return fail(r);
      io.out(`agent ${id}: ${String(r.json.state)}`);
    });
  }
  engineOption(program.command('reload').description('validate the config and load it into the running engine; a bad one is rejected and the running one stays')).action(async (o: { engine: string; secrets?: string }) => {
    const r = await call(target(o), 'POST', '/reload');
    if (r.status !== 200) return fail(r);
    io.out(`config ${String(r.json.version)} loaded; calls in progress finish on the config they started with`);
  });
  return async (mode, site, engine, secrets) => {
    const r = await call(target({ engine, ...(secrets !== undefined ? { secrets } : {}) }), 'POST', '/mode', { mode, site: site ?? null });
    if (r.status !== 200) return fail(r);
    io.out(`mode ${mode} for ${site ?? 'every site'} (kept across restarts)`);
  };
}
