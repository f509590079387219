import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { loadPlan, compileSources } from '../../../src/config/index.js';
import { describeReason } from '../../../src/routing/conditions.js';
import { decide, decideActions } from '../../../src/routing/engine.js';
import type { CallContext, Decision, ForwardDetail, Outcome, Plan, QueueDetail, Snapshot } from '../../../src/routing/types.js';
import { MAIN } from '../../support/numbers.js';

const clinic = loadPlan('config/example-clinic.yaml').plan!;
const network = loadPlan('config/example-network.yaml').plan!;

const at = (iso: string, zone = 'America/Chicago') => DateTime.fromISO(iso, { zone }).toMillis();
const call = (iso: string, extra: Partial<CallContext> = {}): CallContext => ({
  did: MAIN,
  caller: '+15125550123',
  at: at(iso),
  whenInputsEnd: 'timeout',
  ...extra,
});
/** The outcome of a finished decision, its destination details readable whatever the action (the test asserts the action). */
const outcome = (d: Decision): Outcome & Partial<{ readonly queue: QueueDetail; readonly forward: ForwardDetail }> => {
  if (d.status !== 'done') throw new Error(`still waiting at menu ${d.menu}`);
  return d.outcome;
};
const menus = (d: Decision) => d.steps.filter((s) => s.kind === 'menu').map((s) => (s.kind === 'menu' ? `${s.menu}:${s.input}` : ''));

describe('the example configs load', () => {
  it('both compile without problems', () => {
    expect(loadPlan('config/example-clinic.yaml').problems).toEqual([]);
    expect(loadPlan('config/example-network.yaml').problems).toEqual([]);
  });
});

describe('time-based routing', () => {
  it.each([
    ['Monday 09:00 is open: main menu, key 1 -> scheduling', '2026-11-23T09:00', 'queue', 'scheduling', 'main'],
    ['Monday 16:59 still open', '2026-11-23T16:59', 'queue', 'scheduling', 'main'],
    ['Monday 17:00 is closed: after-hours menu', '2026-11-23T17:00', 'forward', 'on-call-nurse', 'after-hours'],
    ['Saturday 11:30 open (09:00-12:00)', '2026-11-28T11:30', 'queue', 'scheduling', 'main'],
    ['Saturday 12:30 closed', '2026-11-28T12:30', 'forward', 'on-call-nurse', 'after-hours'],
    ['Sunday closed', '2026-11-29T10:00', 'forward', 'on-call-nurse', 'after-hours'],
    ['Thanksgiving (federal holiday) closed', '2026-11-26T10:00', 'forward', 'on-call-nurse', 'after-hours'],
    ['Independence Day observed on Friday 2026-07-03', '2026-07-03T10:00', 'forward', 'on-call-nurse', 'after-hours'],
    ['Christmas Eve 11:59 before the early closure', '2026-12-24T11:59', 'queue', 'scheduling', 'main'],
    ['Christmas Eve 12:00 early closure', '2026-12-24T12:00', 'forward', 'on-call-nurse', 'after-hours'],
  ])('%s', (_name, when, action, target, menu) => {
    const d = decide(clinic, call(when, { inputs: ['1'] }));
    expect(outcome(d).action).toBe(action);
    expect(outcome(d).target).toBe(target);
    expect(menus(d)[0]).toBe(`${menu}:1`);
  });

  it('a holiday goes through the holiday rule and its trace says why the open rule did not match', () => {
    const d = decide(clinic, call('2026-11-26T10:00', { inputs: ['2'] }));
    expect(d.steps[0]).toMatchObject({ kind: 'rule', rule: 'Holiday or closure' });
    const open = d.trace.find((t) => t.rule === 'Open - main menu')!;
    expect(open.matched).toBe(false);
    expect(describeReason(open.why!)).toMatch(/open: expected open, was closed \(holiday Thanksgiving Day, Thu 2026-11-26 10:00 CST\)/);
  });

  it('the manual night override closes an open clinic, and day opens a closed one', () => {
    const night: Snapshot = { modes: { riverside: 'night' } };
    expect(outcome(decide(clinic, call('2026-11-23T09:00', { inputs: ['2'] }), night)).target).toBe('front-desk');
    const day: Snapshot = { modes: { '*': 'day' } };
    expect(outcome(decide(clinic, call('2026-11-23T20:00', { inputs: ['2'] }), day)).target).toBe('billing');
  });

  it('respects the time zone: 15:00 UTC is 09:00 in Austin (open) in November', () => {
    const d = decide(clinic, { ...call('2026-11-23T09:00'), at: Date.parse('2026-11-23T15:00:00Z'), inputs: ['2'] });
    expect(outcome(d).target).toBe('billing');
    const early = decide(clinic, { ...call('2026-11-23T09:00'), at: Date.parse('2026-11-23T13:30:00Z'), inputs: ['2'] });
    expect(outcome(early).target).toBe('front-desk');
  });

  const overnight = compileSources([
    {
      path: 'night-line.yaml',
      text: `
sites:
  h: { name: H, timezone: America/Chicago, dids: ["+15125550111"], schedule: nights }
schedules:
  nights: { weekly: { sat: ["22:00-06:00"], sun: ["22:00-06:00"] } }
mailboxes:
  m: { email: [a@b.example] }
routes:
  inbound:
    - { name: night line open, when: { open: true }, then: [{ hangup: true }] }
    - { name: closed, then: [{ voicemail: m }] }
`,
    },
  ]).plan!;
  it.each([
    // 2026-03-08: clocks go from 02:00 to 03:00 in America/Chicago, inside Saturday's 22:00-06:00.
    ['spring-forward night 01:59 CST', '2026-03-08T07:59:00Z', 'hangup'],
    ['spring-forward night 03:00 CDT', '2026-03-08T08:00:00Z', 'hangup'],
    ['spring-forward night 05:59 CDT', '2026-03-08T10:59:00Z', 'hangup'],
    ['spring-forward 06:00 CDT closes', '2026-03-08T11:00:00Z', 'voicemail'],
    // 2026-11-01: 01:00-02:00 happens twice; both are inside the range, and it closes at 06:00 CST.
    ['fall-back first 01:30 CDT', '2026-11-01T06:30:00Z', 'hangup'],
    ['fall-back second 01:30 CST', '2026-11-01T07:30:00Z', 'hangup'],
    ['fall-back 05:59 CST', '2026-11-01T11:59:00Z', 'hangup'],
    ['fall-back 06:00 CST closes', '2026-11-01T12:00:00Z', 'voicemail'],
    ['Saturday 21:59 before the overnight range', '2026-11-01T02:59:00Z', 'voicemail'],
  ])('overnight range across a DST change: %s', (_name, iso, action) => {
    const d = decide(overnight, { did: '+15125550111', caller: '+15125550123', at: Date.parse(iso) });
    expect(outcome(d).action).toBe(action);
  });
});

describe('menus', () => {
  it('three invalid keys go to the configured destination (the front-desk ring group)', () => {
    const d = decide(clinic, call('2026-11-23T10:00', { inputs: ['7', '8', '0'] }));
    expect(outcome(d)).toMatchObject({ action: 'ring-group', target: 'front-desk' });
    expect(d.steps.filter((s) => s.kind === 'menu').map((s) => (s.kind === 'menu' ? s.result : ''))).toEqual(['invalid', 'invalid', 'invalid']);
    expect(d.steps.some((s) => s.kind === 'play' && s.sound === 'riverside/transfer-front-desk')).toBe(true);
  });

  it('a retry after an invalid key plays the invalid prompt, then a valid key is taken', () => {
    const d = decide(clinic, call('2026-11-23T10:00', { inputs: ['7', '2'] }));
    expect(outcome(d).target).toBe('billing');
    const second = d.steps.filter((s) => s.kind === 'menu')[1];
    expect(second).toMatchObject({ attempt: 2, sound: 'riverside/invalid-option', input: '2' });
  });

  it('no key at all: menus time out to a person, never to silence', () => {
    expect(outcome(decide(clinic, call('2026-11-23T10:00'))).target).toBe('scheduling');
    expect(outcome(decide(clinic, call('2026-11-23T20:00'))).target).toBe('front-desk');
  });

  it('9 switches to Spanish: the same menu replays in Spanish and Spanish-speaking agents are required', () => {
    const d = decide(clinic, call('2026-11-23T10:00', { inputs: ['9', '1'] }));
    const o = outcome(d);
    expect(o).toMatchObject({ action: 'queue', target: 'scheduling', language: 'es' });
    expect(d.steps.filter((s) => s.kind === 'menu').map((s) => (s.kind === 'menu' ? s.sound : ''))).toEqual(['riverside/main-menu', 'riverside/main-menu-es']);
    expect(o.queue!.skills).toEqual({ scheduling: 3, spanish: 1 });
    expect(o.queue!.candidates).toEqual(['maria']);
  });

  it('a live call waits at the menu when the keys run out', () => {
    const d = decide(clinic, { ...call('2026-11-23T10:00'), whenInputsEnd: 'await', inputs: ['9'] });
    expect(d).toMatchObject({ status: 'awaiting-input', menu: 'main' });
  });
});

describe('skill-based routing', () => {
  it('offers scheduling calls only to agents with scheduling >= 3, longest idle first', () => {
    const snapshot: Snapshot = {
      agents: {
        maria: { state: 'available', idleSince: 5000 },
        james: { state: 'available', idleSince: 1000 },
        emily: { state: 'available', idleSince: 3000 },
      },
    };
    const o = outcome(decide(clinic, call('2026-11-23T10:00', { inputs: ['1'] }), snapshot));
    expect(o.queue!.candidates).toEqual(['james', 'emily', 'maria']);
  });

  it('busy, paused and offline agents are not offered the call', () => {
    const snapshot: Snapshot = { agents: { maria: { state: 'busy' }, james: { state: 'paused' }, emily: { state: 'offline' } } };
    const o = outcome(decide(clinic, call('2026-11-23T10:00', { inputs: ['1'] }), snapshot));
    expect(o.queue!.candidates).toEqual([]);
    expect(o.queue!.relax.map((r) => r.after)).toEqual([60, 120]);
  });

  it('billing is most-skilled first', () => {
    const o = outcome(decide(clinic, call('2026-11-23T10:00', { inputs: ['2'] })));
    expect(o.queue!.candidates).toEqual(['aisha', 'emily', 'james']);
  });
});

describe('priority-based routing', () => {
  it.each([
    ['scheduling keeps priority 0', ['1'], '+15125550123', 0],
    ['the nurse line has queue priority 5', ['4'], '+15125550123', 5],
    ['a partner nursing home is raised by 3', ['1'], '+15125550777', 3],
    ['a partner calling the nurse line gets the higher of the two', ['4'], '+15125550777', 5],
  ])('%s', (_name, inputs, caller, priority) => {
    const o = outcome(decide(clinic, call('2026-11-23T10:00', { inputs, caller })));
    expect(o.priority).toBe(priority);
  });

  it('after hours, urgent gets priority 9 and is forwarded to the on-call roster with the escalation order', () => {
    const o = outcome(decide(clinic, call('2026-11-23T19:05', { inputs: ['1'] })));
    expect(o).toMatchObject({ action: 'forward', target: 'on-call-nurse', priority: 9, tags: ['urgent'] });
    expect(o.forward!.attempts.length).toBeGreaterThanOrEqual(2);
    expect(o.forward!.attempts[0]!.member).toBe(o.forward!.onCall);
    expect(o.forward!.attempts[0]!.dial).toBe(`PJSIP/${o.forward!.attempts[0]!.number}@carrier`);
    expect(o.forward!.confirm).toEqual({ required: true, digit: '1', timeout: 10 });
  });
});

describe('location-based routing', () => {
  const CENTRAL = '+18005550100';
  const net = (iso: string, caller: string, did = CENTRAL, zone = 'America/Chicago', snapshot: Snapshot = {}) =>
    decide(network, { did, caller, at: at(iso, zone), whenInputsEnd: 'timeout' }, snapshot);

  it.each([
    ['an El Paso caller reaches El Paso', '+19155551234', 'el-paso', 'el-paso-front'],
    ['a Houston caller reaches Houston', '+17135551234', 'houston', 'houston-front'],
    ['an Austin caller reaches Austin', '+15125551234', 'austin', 'austin-front'],
  ])('central number, Monday 10:00 Central: %s', (_n, caller, site, queue) => {
    const d = net('2026-11-23T10:00', caller);
    expect(d.site).toBe(site);
    expect(outcome(d).target).toBe(queue);
  });

  it('El Paso (Mountain) closed at 16:45 MT: overflows to Austin (closed at 17:45 CT) and on to Houston (open until 19:00)', () => {
    const d = net('2026-11-23T16:45', '+19155551234', CENTRAL, 'America/Denver');
    expect(outcome(d)).toMatchObject({ action: 'queue', target: 'houston-front', site: 'houston' });
    const site = d.steps.find((s) => s.kind === 'site');
    expect(site).toMatchObject({ site: 'houston', skipped: [{ site: 'el-paso' }, { site: 'austin' }] });
  });

  it('El Paso opens at 07:30 MT, when Austin is already open at 08:30 CT', () => {
    expect(net('2026-11-23T07:29', '+19155551234', CENTRAL, 'America/Denver').site).toBe('austin');
    expect(net('2026-11-23T07:30', '+19155551234', CENTRAL, 'America/Denver').site).toBe('el-paso');
  });

  it('a saturated site (longest wait over 3 minutes) overflows to its nearest open site', () => {
    const busy: Snapshot = { queues: { 'austin-front': { waiting: 6, longestWait: 181 } } };
    const d = net('2026-11-23T10:00', '+15125551234', '+15125550200', 'America/Chicago', busy);
    expect(outcome(d).target).toBe('houston-front');
    const notYet: Snapshot = { queues: { 'austin-front': { waiting: 6, longestWait: 180 } } };
    expect(outcome(net('2026-11-23T10:00', '+15125551234', '+15125550200', 'America/Chicago', notYet)).target).toBe('austin-front');
  });

  it('every site closed: the call stays with its own site and reaches the after-hours voicemail', () => {
    const d = net('2026-11-24T22:00', '+15125551234');
    expect(outcome(d)).toMatchObject({ action: 'voicemail', target: 'network-desk', site: 'austin' });
  });
});

describe('decideActions continues a call that is already routed', () => {
  it("a queue's overflow after the maximum wait is its voicemail", () => {
    const q = clinic.queues.get('scheduling')!;
    const d = decideActions(clinic, { ...call('2026-11-23T10:10'), site: 'riverside', language: 'es' }, q.overflow);
    expect(outcome(d)).toMatchObject({ action: 'voicemail', target: 'front-desk', language: 'es', site: 'riverside' });
  });
});

describe('decisions are pure', () => {
  it('the same inputs give the same decision, and the plan is not changed', () => {
    const c = call('2026-11-23T10:00', { inputs: ['9', '1'] });
    const a = decide(clinic, c);
    const b = decide(clinic, c);
    expect(b).toEqual(a);
    expect(a.planVersion).toBe(clinic.version);
  });

  it('plans are frozen', () => {
    const p: Plan = clinic;
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.queues.get('scheduling'))).toBe(true);
  });
});
