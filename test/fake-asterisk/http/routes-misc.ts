/**
 * /asterisk, /endpoints, /deviceStates, /applications and /mailboxes.
 * Subscriptions (14): `endpoint:` sources are reference counted (subscribing twice needs two
 * DELETEs), `deviceState:` ones are not; an unknown scheme is 400, an unknown source 422.
 */
import type { AppState } from '../model/apps.js';
import { error, type FakeEnv, list, ok, type RestRequest, type RestResult } from './rest.js';
import type { Route } from './router.js';

/** The remaining routes. */
export function miscRoutes(env: FakeEnv): Route[] {
  const { pbx, endpoints } = env;
  const startup = pbx.ts();
  return [
    { path: '/asterisk/ping', handlers: { GET: () => ok({ ping: 'pong', timestamp: pbx.ts(), asterisk_id: pbx.asteriskId }) } },
    { path: '/asterisk/info', handlers: { GET: (r) => info(env, r, startup) } },
    { path: '/endpoints', handlers: { GET: () => ok([...endpoints.pjsip.values()].map((e) => e.toJson())) } },
    {
      path: '/endpoints/{tech}',
      handlers: { GET: (r) => (r.pathVars.tech === 'PJSIP' ? ok([...endpoints.pjsip.values()].map((e) => e.toJson())) : error(404, 'Not Found', `No Endpoints found - invalid tech ${r.pathVars.tech ?? ''}`)) },
    },
    {
      path: '/endpoints/{tech}/{resource}',
      handlers: {
        GET: (r) => {
          const ep = r.pathVars.tech === 'PJSIP' ? endpoints.pjsip.get(r.pathVars.resource ?? '') : undefined;
          return ep ? ok(ep.toJson()) : error(404, 'Not Found', 'Endpoint not found');
        },
      },
    },
    { path: '/deviceStates', handlers: { GET: () => ok([]) } },
    { path: '/deviceStates/{deviceName}', handlers: { GET: (r) => ok({ name: r.pathVars.deviceName ?? '', state: endpoints.deviceState(r.pathVars.deviceName ?? '') }) } },
    { path: '/applications', handlers: { GET: () => ok(pbx.apps.all().map((a) => a.toJson())) } },
    {
      path: '/applications/{applicationName}',
      handlers: {
        GET: (r) => {
          const app = pbx.apps.get(r.pathVars.applicationName ?? '');
          return app ? ok(app.toJson()) : error(404, 'Not Found', 'Application not found');
        },
      },
    },
    { path: '/applications/{applicationName}/subscription', handlers: { POST: (r) => subscription(env, r, true), DELETE: (r) => subscription(env, r, false) } },
    { path: '/mailboxes', handlers: { GET: () => ok([]) } },
    { path: '/mailboxes/{mailboxName}', handlers: { GET: () => error(404, 'Not Found', 'Mailbox not found') } },
  ];
}

function info(env: FakeEnv, r: RestRequest, startup: string): RestResult {
  const only = list(r, 'only').map((s) => s.toLowerCase());
  const all = only.length === 0;
  const out: Record<string, Record<string, unknown>> = {};
  if (all || only.includes('build')) out.build = { os: 'Linux', kernel: '6.1.0', machine: 'x86_64', options: 'BUILD_NATIVE, OPTIONAL_API', date: '2026-11-01 00:00:00 UTC', user: 'root' };
  if (all || only.includes('system')) out.system = { version: env.version, entity_id: env.pbx.asteriskId };
  if (all || only.includes('config')) out.config = { name: '', default_language: 'en', setid: { user: '', group: '' } };
  if (all || only.includes('status')) out.status = { startup_time: startup, last_reload_time: startup };
  return ok(out as never);
}

function subscription(env: FakeEnv, r: RestRequest, subscribe: boolean): RestResult {
  const sources = list(r, 'eventSource');
  if (sources.length === 0) return error(400, 'Bad Request', 'Missing parameter eventSource');
  const app = env.pbx.apps.get(r.pathVars.applicationName ?? '');
  if (!app) return error(404, 'Not Found', 'Application not found');
  for (const uri of sources) {
    const res = subscribe ? addSource(env, app, uri) : removeSource(env, app, uri);
    if (res) return res;
  }
  return ok(app.toJson());
}

function addSource(env: FakeEnv, app: AppState, uri: string): RestResult | null {
  const { pbx } = env;
  const missing = error(422, 'Unprocessable Entity', 'Event source does not exist');
  if (uri.startsWith('channel:')) {
    const id = uri.slice(8);
    if (!pbx.channel(id)) return missing;
    pbx.apps.subscribeChannel(app.name, id, 'explicit');
  } else if (uri.startsWith('bridge:')) {
    const id = uri.slice(7);
    if (!pbx.bridge(id)) return missing;
    pbx.apps.subscribeBridge(app.name, id, 1);
  } else if (uri.startsWith('endpoint:')) {
    const name = uri.slice(9);
    if (!env.endpoints.pjsip.has(name.replace(/^PJSIP\//, '')) || !name.startsWith('PJSIP/')) return missing;
    app.endpointSubs.set(name, (app.endpointSubs.get(name) ?? 0) + 1);
  } else if (uri.startsWith('deviceState:')) {
    app.deviceSubs.add(uri.slice(12));
  } else return error(400, 'Bad Request', 'Invalid event source URI scheme');
  return null;
}

function removeSource(env: FakeEnv, app: AppState, uri: string): RestResult | null {
  const { pbx } = env;
  const notSubscribed = error(422, 'Unprocessable Entity', 'Event source was not subscribed to');
  if (uri.startsWith('channel:')) {
    const id = uri.slice(8);
    if (!app.channelSubs.get(id)?.has('explicit')) return notSubscribed;
    pbx.apps.unsubscribeChannel(app.name, id, 'explicit');
  } else if (uri.startsWith('bridge:')) {
    const id = uri.slice(7);
    if (!app.bridgeSubs.has(id)) return notSubscribed;
    pbx.apps.unsubscribeBridge(app.name, id, 1);
  } else if (uri.startsWith('endpoint:')) {
    const name = uri.slice(9);
    const n = app.endpointSubs.get(name);
    if (!n) return notSubscribed;
    if (n > 1) app.endpointSubs.set(name, n - 1);
    else app.endpointSubs.delete(name);
  } else if (uri.startsWith('deviceState:')) {
    if (!app.deviceSubs.delete(uri.slice(12))) return notSubscribed;
  } else return error(400, 'Bad Request', 'Invalid event source URI scheme');
  return null;
}
