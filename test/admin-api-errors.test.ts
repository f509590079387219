/**
 * The admin API's errors, in-process (fastify inject, no socket): every code from one table with
 * its status, each unique and documented in docs/clinic-it.md; a bad request is a 400 with the code
 * and the field, a missing agent a 404, the engine's own failure a 500 logged with its cause.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAdmin, type AdminDeps } from '../src/http/admin.js';
import { ADMIN_ERRORS } from '../src/http/errors.js';
import { textLogger } from '../src/logging/logger.js';
import { engineOnFakePbx } from './support/engine-fixture.js';

const TOKEN = 'admin-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

function admin(over: Partial<AdminDeps> = {}) {
  const { plan, engine } = engineOnFakePbx();
  const logs: string[] = [];
  const app = buildAdmin({ engine, token: TOKEN, reload: () => ({ ok: true, version: plan.version }), health: () => ({ ari: 'connected', ami: null }), log: textLogger((m) => logs.push(m)), ...over });
  return { app, engine, logs };
}

describe('admin API error codes', () => {
  it('each code is unique, kebab-case, has a 4xx/5xx status and is documented in docs/clinic-it.md with that status', () => {
    const codes = Object.keys(ADMIN_ERRORS);
    expect(new Set(codes).size).toBe(codes.length);
    const doc = readFileSync('docs/clinic-it.md', 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(new Set(documented.map(([c]) => c)).size).toBe(documented.length);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(Object.entries(ADMIN_ERRORS).map(([c, e]) => [c, e.status])));
    for (const [code, e] of Object.entries(ADMIN_ERRORS)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(e.status >= 400 && e.status < 600).toBe(true);
    }
  });

  it.each([
    ['no token', 401, 'unauthorized', { method: 'GET', url: '/status' }],
    ['a wrong token', 401, 'unauthorized', { method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } }],
    ['an unknown route', 404, 'unknown-route', { method: 'GET', url: '/nope', headers: auth }],
    ['a mode that does not exist', 400, 'bad-request', { method: 'POST', url: '/mode', headers: auth, payload: { mode: 'sunset' } }],
    ['a field that does not exist', 400, 'bad-request', { method: 'POST', url: '/mode', headers: auth, payload: { mode: 'night', sight: 'riverside' } }],
    ['a mode of the wrong type', 400, 'bad-request', { method: 'POST', url: '/mode', headers: auth, payload: { mode: 1 } }],
    ['no mode', 400, 'bad-request', { method: 'POST', url: '/mode', headers: auth, payload: {} }],
    ['a body that is not JSON', 400, 'bad-json', { method: 'POST', url: '/mode', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"mode":' }],
    ['a body that is not an object', 400, 'bad-request', { method: 'POST', url: '/mode', headers: auth, payload: ['night'] }],
    ['a body over 10 kB', 413, 'body-too-large', { method: 'POST', url: '/mode', headers: auth, payload: { mode: 'night', site: 'x'.repeat(20_000) } }],
    ['a body that is not JSON by its type', 415, 'unsupported-media-type', { method: 'POST', url: '/mode', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'mode=night' }],
    ['an unknown site', 404, 'unknown-site', { method: 'POST', url: '/mode', headers: auth, payload: { mode: 'night', site: 'uptown' } }],
    ['an unknown agent', 404, 'unknown-agent', { method: 'POST', url: '/agents/nobody/pause', headers: auth }],
    ['the wallboard without its token', 404, 'wallboard-off', { method: 'GET', url: '/wallboard/data' }],
  ] as const)('%s: %i %s', async (_what, status, code, request) => {
    const r = await admin().app.inject(request);
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ code, error: expect.any(String) });
    expect(ADMIN_ERRORS[code].status).toBe(status);
  });

  it('a 400 names the field and what is allowed', async () => {
    const { app } = admin();
    const r = await app.inject({ method: 'POST', url: '/mode', headers: auth, payload: { mode: 'sunset', sight: 'x' } });
    expect(r.json()).toEqual({ code: 'bad-request', error: `body has an unknown field 'sight'; body/mode must be one of "day", "night", "auto"` });
  });

  it('a bodyless POST with content-type application/json (what the CLI sends) is accepted', async () => {
    const { app, engine } = admin();
    const r = await app.inject({ method: 'POST', url: '/agents/maria/pause', headers: { ...auth, 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ agent: 'maria', state: 'paused' });
    expect(engine.agentState('maria')).toBe('paused');
  });

  it('a rejected reload is a 422 config-invalid with every problem', async () => {
    const { app } = admin({ reload: () => ({ ok: false, problems: ['clinic.yaml:3:4 one', 'clinic.yaml:5:6 two'] }) });
    const r = await app.inject({ method: 'POST', url: '/reload', headers: auth });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({ code: 'config-invalid', error: 'the new configuration is not valid; the running one stays', problems: ['clinic.yaml:3:4 one', 'clinic.yaml:5:6 two'] });
  });

  it("the engine's own failure is a 500 that tells the client nothing of it, and is logged with its cause", async () => {
    const { app, logs } = admin({
      reload: () => {
        throw new Error('disk on fire at /var/lib/pbx-router');
      },
    });
    const r = await app.inject({ method: 'POST', url: '/reload', headers: auth });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ code: 'internal', error: 'the engine failed to answer this request; its log has the cause' });
    expect(r.body).not.toContain('disk on fire');
    expect(logs).toEqual(['admin API: POST /reload failed: disk on fire at /var/lib/pbx-router']);
  });

  it('every answer says no-store; healthz needs no token', async () => {
    const { app } = admin();
    const h = await app.inject({ url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.headers['cache-control']).toBe('no-store');
    expect((await app.inject({ url: '/nope' })).headers['cache-control']).toBe('no-store');
  });
});
