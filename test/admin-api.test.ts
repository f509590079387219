import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli as cli } from './cli-helpers.js';
import { formatProblem } from '../src/config/load.js';
import { loadPlan } from '../src/config/index.js';
import { startAdmin, type AdminServer } from '../src/http/admin.js';
import { engineOnFakePbx } from './support/engine-fixture.js';

const TOKEN = 'test-admin-token-0123456789';
const servers: AdminServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  delete process.env.PBX_ROUTER_ADMIN_TOKEN;
});


async function running() {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-admin-'));
  const config = join(dir, 'clinic.yaml');
  copyFileSync('config/example-clinic.yaml', config);
  const { dbPath: db, clock, pbx, store, engine } = engineOnFakePbx({ config, db: join(dir, 'calls.sqlite') });
  const reload = () => {
    const next = loadPlan(config);
    if (!next.plan) return { ok: false as const, problems: next.problems.map(formatProblem) };
    engine.setPlan(next.plan);
    return { ok: true as const, version: next.plan.version };
  };
  const admin = await startAdmin({ engine, token: TOKEN, reload, health: () => ({ ari: 'connected', ami: null }) }, '127.0.0.1', 0);
  servers.push(admin);
  process.env.PBX_ROUTER_ADMIN_TOKEN = TOKEN;
  return { dir, config, db, clock, pbx, store, engine, admin };
}

describe('admin API and operator commands against a running engine', () => {
  it('healthz needs no token and tells no patient data; everything else needs the token', async () => {
    const { admin } = await running();
    const h = await fetch(`${admin.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', ari: 'connected', ami: null });
    expect((await fetch(`${admin.url}/status`)).status).toBe(401);
    expect((await fetch(`${admin.url}/status`, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status).toBe(401);
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('status shows the config version, calls, queues with waiting callers, agents and modes', async () => {
    const { admin, engine, pbx, clock } = await running();
    for (const id of ['maria', 'james', 'emily', 'aisha', 'linda', 'carlos', 'sofia']) engine.pauseAgent(id, true);
    const ch = pbx.call('+15125550100', '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '1');
    await clock.advance(30_000);
    const r = await cli('status', '--engine', admin.url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ARI connected; AMI not configured; config [0-9a-f]{12}; 1 call\(s\) in progress; mode auto$/m);
    expect(r.out).toMatch(/queue scheduling: 1 waiting, longest 3\ds/);
    expect(r.out).toContain('agent maria (Maria Gonzalez): paused');
  });

  it('metrics (token required): calls, queue waits, agents per state and ended calls by outcome, in the Prometheus text format', async () => {
    const { admin, engine, pbx, clock } = await running();
    for (const id of engine.currentPlan().agents.keys()) engine.pauseAgent(id, true);
    const waiting = pbx.call('+15125550100', '+15125550123');
    await clock.advance(500);
    pbx.press(waiting, '1');
    const early = pbx.call('+15125550100', '+15125550124');
    await clock.advance(500);
    pbx.hangupFrom(early);
    await clock.advance(40_000);
    expect((await fetch(`${admin.url}/metrics`)).status).toBe(401);
    const r = await fetch(`${admin.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('pbx_router_ari_connected')).toBe(1);
    expect(value('pbx_router_calls_in_progress')).toBe(1);
    expect(value('pbx_router_queue_waiting{queue="scheduling"}')).toBe(1);
    expect(value('pbx_router_queue_waiting{queue="billing"}')).toBe(0);
    expect(value('pbx_router_queue_longest_wait_seconds{queue="scheduling"}')).toBe(40);
    expect(value('pbx_router_agents{state="paused"}')).toBe(engine.currentPlan().agents.size);
    expect(value('pbx_router_calls_ended_total{outcome="hung-up-early"}')).toBe(1);
    expect(text).toMatch(/^# TYPE pbx_router_calls_ended_total counter$/m);
    expect(text).toMatch(/^pbx_router_config_info\{version="[0-9a-f]{12}"\} 1$/m);
    // Counts only: no caller numbers.
    expect(text).not.toMatch(/\+1512555012/);
  });

  it('the wallboard is off without its own key, and its key can be neither short nor the admin token', async () => {
    const { admin, engine } = await running();
    const off = await fetch(`${admin.url}/wallboard?key=anything-at-all-123`);
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: string }).error).toContain('set PBX_ROUTER_WALLBOARD_TOKEN');
    const deps = { engine, token: TOKEN, reload: () => ({ ok: true as const, version: 'x' }), health: () => ({ ari: 'connected', ami: null }) };
    await expect(startAdmin({ ...deps, wallboardToken: TOKEN }, '127.0.0.1', 0)).rejects.toThrow(/must differ from the admin token/);
    await expect(startAdmin({ ...deps, wallboardToken: 'short' }, '127.0.0.1', 0)).rejects.toThrow(/at least 16 characters/);
    // The admin token does not open the wallboard's data, nor the wallboard key the admin API.
    const on = await startAdmin({ ...deps, wallboardToken: 'wallboard-key-0123456789' }, '127.0.0.1', 0);
    servers.push(on);
    expect((await fetch(`${on.url}/wallboard/data`, { headers: { 'x-wallboard-key': TOKEN } })).status).toBe(401);
    expect((await fetch(`${on.url}/status`, { headers: { authorization: 'Bearer wallboard-key-0123456789' } })).status).toBe(401);
    const data = await fetch(`${on.url}/wallboard/data`, { headers: { 'x-wallboard-key': 'wallboard-key-0123456789' } });
    expect(await data.json()).toMatchObject({ ari: 'connected', callsInProgress: 0, queues: expect.arrayContaining([{ id: 'scheduling', waiting: 0, longestWait: 0 }]) });
  });

  it('agent pause and unpause change who is offered calls', async () => {
    const { admin, engine } = await running();
    expect((await cli('agent', 'pause', 'maria', '--engine', admin.url)).out).toContain('agent maria: paused');
    expect(engine.agentState('maria')).toBe('paused');
    expect((await cli('agent', 'unpause', 'maria', '--engine', admin.url)).out).toContain('agent maria: available');
    const bad = await cli('agent', 'pause', 'nobody', '--engine', admin.url);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("unknown agent 'nobody'");
  });

  it('mode night closes the clinic for new calls and survives a restart of the engine', async () => {
    const { admin, engine, db, clock } = await running();
    expect((await cli('mode', 'night', '--site', 'riverside', '--engine', admin.url)).code).toBe(0);
    expect(engine.modes()).toEqual({ riverside: 'night' });
    const { engine: again } = engineOnFakePbx({ plan: engine.currentPlan(), clock, db });
    expect(again.modes()).toEqual({ riverside: 'night' });
    const r = await cli('mode', 'sunset', '--engine', admin.url);
    expect(r.code).toBe(2);
    expect((await cli('mode', 'auto', '--engine', admin.url)).code).toBe(0);
    expect(engine.modes()).toEqual({});
  });

  it('reload: a bad config is rejected with its problems and the old one stays; a good one takes over for new calls only', async () => {
    const { admin, engine, config, pbx, clock, store } = await running();
    const before = engine.currentPlan().version;
    const ch = pbx.call('+15125550100', '+15125550123');
    await clock.advance(200);
    const callId = store.callByChannel(ch)!.id;
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, good.replace('queue: scheduling }]', 'queue: schedulng }]'));
    const bad = await cli('reload', '--engine', admin.url);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('the running one stays');
    expect(bad.err).toMatch(/clinic\.yaml:\d+:\d+ unknown queue 'schedulng'/);
    expect(engine.currentPlan().version).toBe(before);
    writeFileSync(config, good.replace('maxWait: 600', 'maxWait: 900'));
    const ok = await cli('reload', '--engine', admin.url);
    expect(ok.code).toBe(0);
    expect(engine.currentPlan().version).not.toBe(before);
    expect(engine.planOf(callId)!.version).toBe(before);
    expect(engine.currentPlan().queues.get('scheduling')!.maxWait).toBe(900);
    void ch;
  });
});
