/**
 * Checks beyond the schema: references, menus that trap callers, rules that never match, queues
 * nobody serves, dead ends, and the toll-fraud rules for numbers the engine may dial.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileSources } from '../../../src/config/index.js';
import { formatProblem } from '../../../src/config/load.js';
import type { ActionConfig, Config, MenuConfig } from '../../../src/config/schema.js';
import { semanticIssues, type SemanticIssue } from '../../../src/config/semantic.js';
import { tollFraudReason } from '../../../src/config/toll-fraud.js';

const BASE = `
outbound:
  trunk: PJSIP/{number}@carrier
  callerId: "+15125550100"
sites:
  main:
    name: Main
    timezone: America/Chicago
    schedule: hours
schedules:
  hours:
    weekly:
      mon: ["08:00-17:00"]
agents:
  maria:
    name: Maria
    endpoint: PJSIP/1001
    site: main
    skills: { scheduling: 3 }
queues:
  front:
    site: main
    skills: { scheduling: 2 }
    maxWait: 300
    overflow: [{ voicemail: desk }]
mailboxes:
  desk:
    email: [desk@clinic.example]
routes:
  inbound:
    - name: Everyone
      then: [{ queue: front }]
`;

/** A fresh valid config; each test changes one thing. */
function config(): Config {
  return parse(BASE) as Config;
}

function issues(cfg: Config): SemanticIssue[] {
  return semanticIssues(cfg);
}

const messages = (cfg: Config) => issues(cfg).map((i) => i.message);

describe('the base config', () => {
  it('has no issues', () => {
    expect(issues(config())).toEqual([]);
  });
});

describe('references', () => {
  it.each([
    ['queue', { queue: 'billing' }, "unknown queue 'billing' (defined: front)"],
    ['menu', { menu: 'main' }, "unknown menu 'main' (defined: none; add it under menus)"],
    ['mailbox', { voicemail: 'frontdesk' }, "unknown mailbox 'frontdesk' (defined: desk)"],
    ['roster', { forward: 'on-call' }, "unknown roster 'on-call' (defined: none; add it under rosters)"],
    ['agent', { agent: 'james' }, "unknown agent 'james' (defined: maria)"],
    ['ring group', { ringGroup: 'desk' }, "unknown ring group 'desk' (defined: none; add it under ringGroups)"],
    ['callback list', { callback: 'cb' }, "unknown callback list 'cb' (defined: none; add it under callbacks)"],
    ['rule set', { goto: 'after-hours' }, "unknown rule set 'after-hours' (defined: inbound)"],
  ])('an action naming an unknown %s says which ones exist, at the name', (_kind, action, message) => {
    const cfg = config();
    cfg.routes!.inbound![0]!.then = [action];
    const kind = Object.keys(action)[0]!;
    expect(issues(cfg)).toEqual([{ path: ['routes', 'inbound', 0, 'then', 0, kind], key: false, code: 'unknown-reference', message }]);
  });

  it('an unknown schedule or site is reported where it is named', () => {
    const cfg = config();
    cfg.sites!.main!.schedule = 'main-hours';
    cfg.agents!.maria!.site = 'downtown';
    expect(issues(cfg)).toEqual([
      { path: ['sites', 'main', 'schedule'], key: false, code: 'unknown-reference', message: "unknown schedule 'main-hours' (defined: hours)" },
      { path: ['agents', 'maria', 'site'], key: false, code: 'unknown-reference', message: "unknown site 'downtown' (defined: main)" },
      // maria is no longer at site main, so the queue of main has nobody either
      expect.objectContaining({ code: 'unservable-queue' }),
    ]);
  });

  it('sites named in conditions and site actions are checked too', () => {
    const cfg = config();
    cfg.routes!.inbound!.unshift({ name: 'Open elsewhere', when: { open: { site: 'north', is: true }, site: ['main', 'south'] }, then: [{ site: { by: 'fixed', site: 'east' } }] });
    expect(messages(cfg).sort()).toEqual([
      "unknown site 'east' (defined: main)",
      "unknown site 'north' (defined: main)",
      "unknown site 'south' (defined: main)",
    ]);
  });

  it('an unknown roster member in the rotation lists the members', () => {
    const cfg = config();
    cfg.rosters = {
      'on-call': {
        site: 'main',
        members: { chen: { name: 'Dr. Chen', number: '+15125550199' } },
        rotation: { every: 'day', handoff: '08:00', start: '2026-01-05', order: ['chen', 'patel'] },
        final: [{ hangup: true }],
      },
    };
    expect(messages(cfg)).toEqual(["unknown member 'patel' of roster on-call (members: chen)"]);
  });
});

describe('action lists', () => {
  it('an action after the call has left never runs', () => {
    const cfg = config();
    cfg.routes!.inbound![0]!.then = [{ play: 'hello' }, { queue: 'front' }, { play: 'bye' }];
    expect(issues(cfg)).toEqual([
      { path: ['routes', 'inbound', 0, 'then', 2], key: false, code: 'unreachable-action', message: 'this action never runs: the call already left at action 2 (queue)' },
    ]);
  });

  it('a menu option without a destination is a dead end, named by its path', () => {
    const cfg = config();
    cfg.menus = { main: { prompt: 'p', options: { '1': [{ queue: 'front' }], '2': [{ play: 'directions' }] }, onInvalid: [{ hangup: true }], onTimeout: [{ hangup: true }] } };
    cfg.routes!.inbound![0]!.then = [{ menu: 'main' }];
    expect(issues(cfg)).toEqual([
      {
        path: ['menus', 'main', 'options', '2'],
        key: false,
        code: 'dead-end',
        message: 'menus.main.options.2 gives the call no destination (expected it to end with menu, queue, agent, ringGroup, forward, voicemail, callback, goto or hangup)',
      },
    ]);
  });

  it('a queue overflow without a destination is a dead end too', () => {
    const cfg = config();
    cfg.queues!.front!.overflow = [{ play: 'sorry' }];
    expect(messages(cfg)).toEqual([
      'queues.front.overflow gives the call no destination (expected it to end with menu, queue, agent, ringGroup, forward, voicemail, callback, goto or hangup)',
    ]);
  });
});

describe('menus', () => {
  const menu = (options: Record<string, ActionConfig[]>, onInvalid: ActionConfig[], onTimeout: ActionConfig[]): MenuConfig => ({ prompt: 'p', options, onInvalid, onTimeout });

  it('menus that only lead to each other are a loop, reported at each menu with the menus involved', () => {
    const cfg = config();
    cfg.menus = {
      main: menu({ '1': [{ menu: 'billing' }] }, [{ menu: 'main' }], [{ menu: 'billing' }]),
      billing: menu({ '0': [{ menu: 'main' }] }, [{ menu: 'billing' }], [{ menu: 'main' }]),
    };
    cfg.routes!.inbound![0]!.then = [{ menu: 'main' }];
    expect(issues(cfg)).toEqual([
      { path: ['menus', 'main'], key: true, code: 'menu-loop', message: 'menu main loops with no way out: every option, invalid entry and timeout leads only to menus (main, billing), none of which lets the call leave' },
      { path: ['menus', 'billing'], key: true, code: 'menu-loop', message: 'menu billing loops with no way out: every option, invalid entry and timeout leads only to menus (billing, main), none of which lets the call leave' },
    ]);
  });

  it('a menu whose timeout comes back to it traps a caller who presses nothing', () => {
    const cfg = config();
    cfg.menus = { main: { prompt: 'p', options: { '1': [{ queue: 'front' }] }, onInvalid: [{ hangup: true }], onTimeout: [{ play: 'again' }, { menu: 'main' }] } };
    cfg.routes!.inbound![0]!.then = [{ menu: 'main' }];
    expect(issues(cfg)).toEqual([
      {
        path: ['menus', 'main', 'onTimeout'],
        key: false,
        code: 'menu-loop',
        message: 'menu main: a caller who presses nothing is sent from menu to menu for ever; let onTimeout end somewhere (e.g. a queue or voicemail)',
      },
    ]);
  });

  it('a menu that replays itself on one key but can be left is fine', () => {
    const cfg = config();
    cfg.menus = { main: { prompt: 'p', options: { '1': [{ queue: 'front' }], '9': [{ setLanguage: 'es' }, { menu: 'main' }] }, onInvalid: [{ menu: 'main' }], onTimeout: [{ voicemail: 'desk' }] } };
    cfg.routes!.inbound![0]!.then = [{ menu: 'main' }];
    expect(issues(cfg)).toEqual([]);
  });
});

describe('rules', () => {
  it('a rule after a catch-all can never match', () => {
    const cfg = config();
    cfg.routes!.inbound!.push({ name: 'After hours', when: { open: false }, then: [{ hangup: true }] }, { name: 'Fallback', then: [{ hangup: true }] });
    expect(issues(cfg)).toEqual([
      { path: ['routes', 'inbound', 1, 'name'], key: false, code: 'shadowed-rule', message: "rule 'After hours' can never match: the earlier rule 1 'Everyone' already takes every call it would match" },
      { path: ['routes', 'inbound', 2, 'name'], key: false, code: 'shadowed-rule', message: "rule 'Fallback' can never match: the earlier rule 1 'Everyone' already takes every call it would match" },
    ]);
  });

  it('a rule with the same conditions as an earlier one that ends the call is shadowed; one with more conditions is too', () => {
    const cfg = config();
    cfg.routes!.inbound!.unshift(
      { name: 'Open', when: { open: true }, then: [{ queue: 'front' }] },
      { name: 'Open again', when: { open: true, language: 'es' }, then: [{ hangup: true }] },
    );
    expect(messages(cfg)).toEqual(["rule 'Open again' can never match: the earlier rule 1 'Open' already takes every call it would match"]);
  });

  it('an earlier rule that only tags the call does not shadow later ones', () => {
    const cfg = config();
    cfg.routes!.inbound!.unshift({ name: 'Tag all', then: [{ tag: 'seen' }] });
    expect(issues(cfg)).toEqual([]);
  });

  it('a rule set must end in a catch-all with a destination, reported at the rule set name', () => {
    const cfg = config();
    cfg.routes!.inbound![0]!.when = { open: true };
    expect(issues(cfg)).toEqual([
      {
        path: ['routes', 'inbound'],
        key: true,
        code: 'no-catch-all',
        message: "rule set inbound has no catch-all rule (a rule without 'when' that ends in a destination): a call that matches no rule would have nowhere to go",
      },
    ]);
    const tagOnly = config();
    tagOnly.routes!.inbound![0]!.then = [{ tag: 'x' }];
    expect(issues(tagOnly).map((i) => i.code)).toEqual(['no-catch-all']);
  });

  it('the entry rule set must exist', () => {
    const cfg = config();
    cfg.clinic = { name: 'C', entry: 'start' };
    expect(issues(cfg)).toEqual([{ path: ['clinic', 'entry'], key: false, code: 'no-entry', message: "there is no rule set 'start' for inbound calls to start in (rule sets: inbound)" }]);
  });

  it('rule sets that jump to each other unconditionally loop for ever', () => {
    const cfg = config();
    cfg.routes = { inbound: [{ name: 'a', then: [{ goto: 'other' }] }], other: [{ name: 'b', then: [{ goto: 'inbound' }] }] };
    expect(messages(cfg)).toEqual([
      'rule sets loop for ever: inbound -> other -> inbound; every call that gets here goes round until the 200-step guard sends it to the failsafe (end one of them in a destination such as a queue, menu or voicemail)',
    ]);
  });

  it('a caller pattern that is not a regular expression is reported', () => {
    const cfg = config();
    cfg.routes!.inbound!.unshift({ name: 'x', when: { caller: { pattern: '^(+1' } }, then: [{ hangup: true }] });
    expect(messages(cfg)[0]).toBe("caller pattern '^(+1' cannot be used: missing argument to repetition operator: `+`");
  });
});

describe('queues, sites and agents', () => {
  it('a queue whose skills no agent has, even fully relaxed, names what it needs', () => {
    const cfg = config();
    cfg.queues!.front!.skills = { nurse: 4 };
    cfg.queues!.front!.relax = [{ after: 60, minLevel: 3 }];
    expect(issues(cfg)).toEqual([
      {
        path: ['queues', 'front', 'skills'],
        key: false,
        code: 'unservable-queue',
        message: 'no agent at site main can serve queue front: it needs nurse >= 3 and no agent at site main has that, even after every relaxation step',
      },
    ]);
  });

  it('a queue that relaxation makes servable is fine', () => {
    const cfg = config();
    cfg.queues!.front!.skills = { scheduling: 5, spanish: 3 };
    cfg.queues!.front!.relax = [{ after: 60, minLevel: 3 }, { after: 120, drop: ['spanish'] }];
    expect(issues(cfg)).toEqual([]);
  });

  it('relaxation steps must come in increasing order', () => {
    const cfg = config();
    cfg.queues!.front!.relax = [{ after: 120, minLevel: 1 }, { after: 60, minLevel: 1 }];
    expect(messages(cfg)).toEqual(["relaxation steps must come in increasing 'after' order"]);
  });

  it('a number rings one site; a phone belongs to one agent; a site is not its own neighbour', () => {
    const cfg = config();
    cfg.sites!.north = { name: 'North', timezone: 'America/Chicago', schedule: 'hours', dids: ['+15125550100'], nearest: ['north'] };
    cfg.sites!.main!.dids = ['+15125550100'];
    cfg.agents!.james = { name: 'James', endpoint: 'PJSIP/1001', site: 'main', skills: {} };
    expect(messages(cfg)).toEqual([
      'site north lists itself as its nearest site',
      '+15125550100 already belongs to site main; a number rings one site',
      'PJSIP/1001 is already the phone of agent maria',
    ]);
  });

  it('a roster needs an outbound trunk, reported at the roster name', () => {
    const cfg = config();
    delete cfg.outbound;
    cfg.rosters = {
      'on-call': {
        site: 'main',
        members: { chen: { name: 'Dr. Chen', number: '+15125550199' } },
        rotation: { every: 'day', handoff: '08:00', start: '2026-01-05', order: ['chen'] },
        final: [{ hangup: true }],
      },
    };
    expect(issues(cfg)).toEqual([
      { path: ['rosters', 'on-call'], key: true, code: 'no-trunk', message: "roster on-call forwards to outside numbers, but there is no 'outbound' section with the trunk and caller id" },
    ]);
  });
});

describe('toll-fraud rules', () => {
  const home = { country: '1' };

  it('allows a domestic number', () => {
    expect(tollFraudReason('+15125550199', undefined)).toBeNull();
    expect(tollFraudReason('+15125550199', home)).toBeNull();
  });

  it('refuses NANP premium-rate numbers (+1 900, +1 976) unless allowPremium', () => {
    const premium = 'a premium-rate number (set outbound.allowPremium: true to allow it)';
    expect(tollFraudReason('+19005550100', undefined)).toBe(premium);
    expect(tollFraudReason('+19765550100', home)).toBe(premium);
    expect(tollFraudReason('+19005550100', { allowInternational: true })).toBe(premium);
    expect(tollFraudReason('+19005550100', { allowPremium: true })).toBeNull();
  });

  it('refuses international numbers unless allowInternational', () => {
    const international = 'an international number outside +1 (set outbound.allowInternational: true to allow it)';
    expect(tollFraudReason('+442071234567', undefined)).toBe(international);
    expect(tollFraudReason('+442071234567', { allowPremium: true })).toBe(international);
    expect(tollFraudReason('+442071234567', { allowInternational: true })).toBeNull();
  });

  it('counts Caribbean +1 area codes (e.g. Jamaica +1 876) as international, though they share +1', () => {
    expect(tollFraudReason('+18765550100', undefined)).toBe('an international number outside +1 (set outbound.allowInternational: true to allow it)');
    expect(tollFraudReason('+12425550100', undefined)).not.toBeNull();
    expect(tollFraudReason('+18765550100', { allowInternational: true })).toBeNull();
  });

  it('uses the configured home country', () => {
    const uk = { country: '44' };
    expect(tollFraudReason('+442071234567', uk)).toBeNull();
    expect(tollFraudReason('+15125550199', uk)).toBe('an international number outside +44 (set outbound.allowInternational: true to allow it)');
    expect(tollFraudReason('+18765550100', { country: '44', allowInternational: true })).toBeNull();
  });

  it('refuses anything that is not E.164, whatever the flags', () => {
    const reason = 'not an E.164 number (expected + and country code, e.g. +15125550199)';
    expect(tollFraudReason('5125550199', undefined)).toBe(reason);
    expect(tollFraudReason('+0125550199', { allowInternational: true, allowPremium: true })).toBe(reason);
    expect(tollFraudReason('+1 512 555 0199', undefined)).toBe(reason);
  });

  it('flags roster members with premium or international numbers, at the number', () => {
    const cfg = config();
    cfg.rosters = {
      'on-call': {
        site: 'main',
        members: {
          chen: { name: 'Dr. Chen', number: '+15125550199' },
          scam: { name: 'Dr. Scam', number: '+19005550100' },
          smith: { name: 'Dr. Smith', number: '+442071234567' },
        },
        rotation: { every: 'week', handoff: 'mon 08:00', start: '2026-01-05', order: ['chen', 'scam', 'smith'] },
        final: [{ hangup: true }],
      },
    };
    expect(issues(cfg)).toEqual([
      { path: ['rosters', 'on-call', 'members', 'scam', 'number'], key: false, code: 'toll-fraud', message: '+19005550100 of Dr. Scam (roster on-call) is a premium-rate number (set outbound.allowPremium: true to allow it)' },
      {
        path: ['rosters', 'on-call', 'members', 'smith', 'number'],
        key: false,
        code: 'toll-fraud',
        message: '+442071234567 of Dr. Smith (roster on-call) is an international number outside +1 (set outbound.allowInternational: true to allow it)',
      },
    ]);
    cfg.outbound!.allowInternational = true;
    cfg.outbound!.allowPremium = true;
    expect(issues(cfg)).toEqual([]);
  });

  it('flags an agent whose phone is an outside number dialled through a trunk', () => {
    const cfg = config();
    cfg.agents!.maria!.endpoint = 'PJSIP/+19765550100@carrier';
    expect(messages(cfg)).toEqual(['agent maria dials +19765550100 through a trunk: a premium-rate number (set outbound.allowPremium: true to allow it)']);
    cfg.agents!.maria!.endpoint = 'PJSIP/15125550100@carrier';
    expect(messages(cfg)).toEqual(['agent maria dials 15125550100 through a trunk: not an E.164 number (expected + and country code, e.g. +15125550199)']);
  });
});

describe('positions through the loader', () => {
  it('semantic problems point at the offending text in the file', () => {
    const text = BASE.replace('then: [{ queue: front }]', 'then: [{ queue: billing }]');
    const lines = compileSources([{ path: '/x.yaml', text }], '/').problems.map(formatProblem);
    const row = text.split('\n').findIndex((l) => l.includes('queue: billing')) + 1;
    const col = text.split('\n')[row - 1]!.indexOf('billing') + 1;
    expect(lines).toEqual([`x.yaml:${row}:${col} unknown queue 'billing' (defined: front)`]);
  });

  it('a bad time zone and a missing iCalendar file are reported with the other problems', () => {
    const text = BASE.replace('timezone: America/Chicago', 'timezone: Central').replace('mon: ["08:00-17:00"]', 'mon: ["08:00-17:00"]\n    ical: nowhere.ics').replace('queue: front }]', 'queue: billing }]');
    const lines = compileSources([{ path: '/tmp/pbx-router-no-such-dir/x.yaml', text }], '/tmp/pbx-router-no-such-dir').problems.map((p) => `${p.code}: ${p.message}`);
    expect(lines).toEqual([
      "bad-timezone: 'Central' is not a known time zone (expected an IANA name such as America/Chicago)",
      'unreadable-ical: cannot read the iCalendar file nowhere.ics: no such file',
      "unknown-reference: unknown queue 'billing' (defined: front)",
    ]);
  });
});
