/** Goto cycles: every cycle reachable from the entry, an error when every call goes round, a warning when conditions can break it. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Config, RuleConfig } from '../../../src/config/schema.js';
import { gotoCycles } from '../../../src/config/goto-cycles.js';

const BASE = `
sites:
  main: { name: Main, timezone: America/Chicago, schedule: hours }
schedules:
  hours: { weekly: { mon: ["08:00-17:00"] } }
mailboxes:
  desk: { email: [desk@clinic.example] }
`;

function withRoutes(routes: Record<string, RuleConfig[]>, extra: Partial<Config> = {}): Config {
  return { ...(parse(BASE) as Config), routes, ...extra };
}
const found = (cfg: Config) => gotoCycles(cfg).map((i) => `${i.severity ?? 'error'} ${i.path.join('.')}: ${i.message.split(';')[0]}`);
const out = { name: 'out', then: [{ voicemail: 'desk' }] };

describe('goto cycles', () => {
  it('a cycle that starts after a rule that does not end the call is an error', () => {
    const cfg = withRoutes({
      inbound: [{ name: 'tag', then: [{ tag: 'seen' }] }, { name: 'on', then: [{ goto: 'next' }] }],
      next: [{ name: 'back', then: [{ goto: 'inbound' }] }],
    });
    expect(found(cfg)).toEqual(['error routes.inbound.1.then.0.goto: rule sets loop for ever: inbound -> next -> inbound']);
  });

  it('a cycle behind a condition is a warning at the conditional goto', () => {
    const cfg = withRoutes({
      inbound: [{ name: 'open', when: { open: true }, then: [{ goto: 'day' }] }, out],
      day: [{ name: 'again', then: [{ goto: 'inbound' }] }],
    });
    expect(found(cfg)).toEqual(['warning routes.inbound.0.then.0.goto: rule sets can loop: inbound -> day -> inbound']);
  });

  it('two rules that both jump to the same rule set make a certain edge: an error', () => {
    const cfg = withRoutes({
      inbound: [{ name: 'open', when: { open: true }, then: [{ play: 'hi' }, { goto: 'day' }] }, { name: 'else', then: [{ goto: 'day' }] }],
      day: [{ name: 'again', then: [{ goto: 'inbound' }] }],
    });
    expect(found(cfg).map((l) => l.split(':')[0])).toEqual(['error routes.inbound.0.then.1.goto']);
  });

  it('a rule set jumping to itself, deep in a chain, is found', () => {
    const cfg = withRoutes({ inbound: [{ name: 'a', then: [{ goto: 'b' }] }], b: [{ name: 'b', then: [{ goto: 'c' }] }], c: [{ name: 'self', when: { holiday: true }, then: [{ goto: 'c' }] }, out] });
    expect(found(cfg)).toEqual(['warning routes.c.0.then.0.goto: rule sets can loop: c -> c']);
  });

  it('every separate cycle is reported, including one reached only through a menu', () => {
    const cfg = withRoutes(
      {
        inbound: [{ name: 'night', when: { mode: 'night' }, then: [{ goto: 'x' }] }, { name: 'menu', then: [{ menu: 'main' }] }],
        x: [{ name: 'x', then: [{ goto: 'inbound' }] }],
        y: [{ name: 'y', then: [{ goto: 'z' }] }],
        z: [{ name: 'z', then: [{ goto: 'y' }] }],
      },
      { menus: { main: { prompt: 'p', options: { '1': [{ goto: 'y' }] }, onInvalid: [{ hangup: true }], onTimeout: [{ hangup: true }] } } },
    );
    expect(found(cfg).sort()).toEqual(['error routes.y.0.then.0.goto: rule sets loop for ever: y -> z -> y', 'warning routes.inbound.0.then.0.goto: rule sets can loop: inbound -> x -> inbound']);
  });

  it('a cycle no call can reach is not reported', () => {
    const cfg = withRoutes({ inbound: [out], y: [{ name: 'y', then: [{ goto: 'z' }] }], z: [{ name: 'z', then: [{ goto: 'y' }] }] });
    expect(found(cfg)).toEqual([]);
  });

  it('a site action into a rule set that chooses the site again is a cycle', () => {
    const cfg = withRoutes({ inbound: [{ name: 'site', then: [{ site: { by: 'did' } }] }], local: [{ name: 'again', then: [{ goto: 'inbound' }] }] });
    cfg.sites!.main!.routes = 'local';
    expect(found(cfg)).toEqual(['error routes.inbound.0.then.0.site: rule sets loop for ever: inbound -> local -> inbound']);
  });

  it('the example configs have no cycles', async () => {
    const { loadPlan } = await import('../../../src/config/index.js');
    for (const file of ['config/example-clinic.yaml', 'config/example-network.yaml']) expect(loadPlan(file).warnings).toEqual([]);
  });
});
