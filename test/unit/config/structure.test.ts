/**
 * The wording and position of structural problems (YAML syntax, schema) for in-memory configs.
 */
import { describe, expect, it } from 'vitest';
import { compileSources } from '../../../src/config/index.js';
import { formatProblem } from '../../../src/config/load.js';

const BASE = `sites:
  main:
    name: Main
    timezone: America/Chicago
    schedule: hours
schedules:
  hours:
    weekly:
      mon: ["08:00-17:00"]
`;
const ROUTES = `routes:
  inbound:
    - name: Everyone
      then: [{ hangup: true }]
`;

/** The problems of one in-memory file, as `x.yaml:line:col message` lines. */
function problems(text: string): string[] {
  return compileSources([{ path: '/x.yaml', text }], '/').problems.map(formatProblem);
}

/** Problems of a config made of the valid base, `extra` sections and the routes (unless given). */
function withBase(extra: string, routes = ROUTES): string[] {
  return problems(BASE + extra + routes);
}

describe('a valid base', () => {
  it('has no problems, so each test below sees only its own mistake', () => {
    expect(withBase('')).toEqual([]);
  });
});

describe('YAML syntax', () => {
  it('a key indented differently from its neighbours is reported at the key', () => {
    expect(problems('sites:\n  main:\n    name: Main\n   schedule: hours\n')).toEqual(['x.yaml:4:4 All mapping items must start at the same column']);
  });

  it('an unclosed [ is reported at the bracket, not at the next key where the parser noticed', () => {
    expect(problems('schedules:\n  hours:\n    weekly:\n      mon: ["08:00-17:00"\nroutes: {}\n')).toEqual([
      'x.yaml:4:12 this [ is not closed before line 5 (expected a ] to end the list; lines inside it must be indented more than its key)',
    ]);
    expect(problems('a:\n  b: { x: "}", y: 1\nc: 2\n')).toEqual([
      'x.yaml:2:6 this { is not closed before line 3 (expected a } to end the map; lines inside it must be indented more than its key)',
    ]);
  });

  it('a duplicate key names the key', () => {
    expect(problems('schedules:\n  hours:\n    weekly:\n      mon: []\n      mon: []\n')).toEqual([
      "x.yaml:5:7 duplicate key 'mon': keys of a map must be unique (merge the two entries into one)",
    ]);
  });

  it('a file that is not a map of sections says what is expected', () => {
    expect(problems('- sites\n- routes\n')).toEqual([
      'x.yaml:1:1 expected a map of sections (sites, schedules, agents, queues, menus, routes, ...) at the top of the file',
    ]);
  });

  it('schema and reference checks wait until the YAML parses', () => {
    const p = compileSources([{ path: '/x.yaml', text: `${BASE}routes:\n  inbound:\n    - name: x\n      then: [{ queue: nope }\n` }], '/').problems;
    expect(p.map((x) => x.code)).toEqual(['yaml-syntax']);
  });
});

describe('schema problems', () => {
  it('an unknown section lists the sections and suggests the likely one', () => {
    expect(withBase('queus:\n  front: {}\n')).toEqual([
      "x.yaml:10:1 unknown section 'queus' in the file; did you mean 'queues'? (expected one of: version, clinic, outbound, retention, failsafe, sites, schedules, agents, queues, menus, rosters, mailboxes, ringGroups, callbacks, routes, prompts, sms, transcription)",
    ]);
  });

  it('an unknown key without a near match lists the allowed keys only', () => {
    const [line] = withBase('mailboxes:\n  desk:\n    email: [a@b.example]\n    colour: red\n');
    expect(line).toBe("x.yaml:13:5 unknown key 'colour' in mailboxes.desk (expected one of: name, email, attachAudio, maxLength, greeting, site, transcribe)");
  });

  it('an abbreviation-style typo of a weekday is matched by prefix', () => {
    expect(problems(BASE.replace('mon:', 'monday:') + ROUTES)).toEqual([
      "x.yaml:9:7 unknown key 'monday' in schedules.hours.weekly; did you mean 'mon'? (expected one of: mon, tue, wed, thu, fri, sat, sun)",
    ]);
  });

  it('a missing required key is reported at the key of the map that lacks it, with what it means', () => {
    expect(withBase('queues:\n  front:\n    skills: { x: 1 }\n    overflow: [{ hangup: true }]\n')).toEqual([
      "x.yaml:11:3 queues.front is missing 'maxWait' (expected seconds a caller waits at most before the overflow destination)",
    ]);
  });

  it('a wrong enum value lists the allowed values', () => {
    const lines = withBase('queues:\n  front:\n    skills: { x: 1 }\n    strategy: fastest\n    maxWait: 60\n    overflow: [{ hangup: true }]\n');
    expect(lines).toContain("x.yaml:13:15 queues.front.strategy is 'fastest' (expected one of 'longest-idle', 'most-skilled', 'round-robin', 'ring-all')");
  });

  it('a number that is not E.164 is shown and the form is explained', () => {
    expect(problems(BASE.replace('    schedule: hours', '    schedule: hours\n    dids: ["(512) 555-0100"]') + ROUTES)).toEqual([
      "x.yaml:6:12 sites.main.dids[0] is '(512) 555-0100' (expected a phone number in E.164 form, e.g. +15125550100)",
    ]);
  });

  it('a number written without quotes is a number, not a string', () => {
    expect(problems(BASE.replace('    schedule: hours', '    schedule: hours\n    dids: [15125550100]') + ROUTES)).toEqual([
      'x.yaml:6:12 sites.main.dids[0] is number 15125550100 (expected a string: a phone number in E.164 form, e.g. +15125550100)',
    ]);
  });

  it('a wrong type says the type expected, with an article that fits', () => {
    const lines = withBase('queues:\n  front:\n    skills: { x: 1 }\n    maxWait: 10 minutes\n    overflow: [{ hangup: true }]\n');
    expect(lines).toEqual(["x.yaml:13:14 queues.front.maxWait is '10 minutes' (expected an integer: seconds a caller waits at most before the overflow destination)"]);
  });

  it('a bad id is reported at the key', () => {
    expect(withBase('mailboxes:\n  Front Desk:\n    email: [a@b.example]\n')).toEqual([
      "x.yaml:11:3 'Front Desk' in mailboxes is not a valid id (expected lower-case letters, digits, - and _)",
    ]);
  });

  it('keys of maps keyed by digits, skills or languages are checked too, in words', () => {
    const menu = 'menus:\n  main:\n    prompt: p\n    options:\n      "10": [{ hangup: true }]\n    onInvalid: [{ hangup: true }]\n    onTimeout: [{ hangup: true }]\n';
    expect(withBase(menu)).toEqual(["x.yaml:14:7 '10' in menus.main.options is not a valid key (expected one key of the phone pad: a digit 0-9, * or #)"]);
    const agent = 'agents:\n  maria:\n    name: Maria\n    endpoint: PJSIP/1001\n    site: main\n    skills: { Spanish: 3 }\n';
    expect(withBase(agent)).toEqual([
      "x.yaml:15:15 'Spanish' in agents.maria.skills is not a valid key (expected a skill name: lower-case letters, digits, - and _, starting with a letter)",
    ]);
    const clinic = 'clinic:\n  name: C\n  languageSkills: { spanish: es }\n';
    expect(withBase(clinic)).toEqual(["x.yaml:12:21 'spanish' in clinic.languageSkills is not a valid key (expected a language code such as en or es)"]);
  });

  it('an action with two keys asks for one list item per action', () => {
    expect(withBase('', 'routes:\n  inbound:\n    - name: x\n      then:\n        - play: bye\n          hangup: true\n')).toEqual([
      'x.yaml:14:11 routes.inbound[0].then[0] has 2 actions (play, hangup); write each action as its own list item',
    ]);
  });

  it('an empty action lists the actions', () => {
    const [line] = withBase('', 'routes:\n  inbound:\n    - name: x\n      then: [{}]\n');
    expect(line).toMatch(/^x\.yaml:13:14 routes\.inbound\[0\]\.then\[0\] is an empty action \(expected exactly one of: menu, queue, agent, /);
  });

  it('an unknown action is called an action, with a suggestion for a typo', () => {
    const [line] = withBase('', 'routes:\n  inbound:\n    - name: x\n      then: [{ voicemial: desk }]\n');
    expect(line).toMatch(/^x\.yaml:13:16 unknown action 'voicemial' in routes\.inbound\[0\]\.then\[0\]; did you mean 'voicemail'\? \(expected one of: menu, queue, /);
    const [other] = withBase('', 'routes:\n  inbound:\n    - name: x\n      then: [{ transfer: desk }]\n');
    expect(other).toMatch(/^x\.yaml:13:16 unknown action 'transfer' in routes\.inbound\[0\]\.then\[0\] \(expected one of: /);
  });

  it('`hangup: yes` is one problem (YAML 1.2 reads yes as a string), not a type and a const error', () => {
    expect(withBase('', 'routes:\n  inbound:\n    - name: x\n      then: [{ hangup: yes }]\n')).toEqual([
      "x.yaml:13:24 routes.inbound[0].then[0].hangup is 'yes' (expected true)",
    ]);
  });

  it('an empty list says how many items are needed', () => {
    expect(withBase('', 'routes:\n  inbound:\n    - name: x\n      then: []\n')).toEqual(['x.yaml:13:13 routes.inbound[0].then is an empty list (expected at least 1 item)']);
  });

  it('a union says both forms it accepts', () => {
    expect(withBase('', 'routes:\n  inbound:\n    - name: x\n      then: [{ play: 5 }, { hangup: true }]\n')).toEqual([
      'x.yaml:13:22 routes.inbound[0].then[0].play is number 5 (expected a sound name, or a map of language to sound name)',
    ]);
  });

  it('every structural problem is reported in one run, and reference checks wait for them', () => {
    const lines = withBase(
      'queues:\n  front:\n    skills: { x: 1 }\n    strategy: fastest\n    maxWait: soon\n    overflow: [{ voicemail: nowhere }]\n',
      'routes:\n  inbound:\n    - name: x\n      then: [{ queue: nowhere }, { hangup: no }]\n',
    );
    expect(lines).toEqual([
      "x.yaml:13:15 queues.front.strategy is 'fastest' (expected one of 'longest-idle', 'most-skilled', 'round-robin', 'ring-all')",
      "x.yaml:14:14 queues.front.maxWait is 'soon' (expected an integer: seconds a caller waits at most before the overflow destination)",
      "x.yaml:19:44 routes.inbound[0].then[1].hangup is 'no' (expected true)",
    ]);
  });

  it('a duplicate id across files names both files', () => {
    const p = compileSources(
      [
        { path: '/cfg/a.yaml', text: BASE + ROUTES },
        { path: '/cfg/b.yaml', text: 'schedules:\n  other:\n    weekly: {}\n  hours:\n    weekly: {}\n' },
      ],
      '/cfg',
    ).problems.map(formatProblem);
    expect(p).toEqual(['b.yaml:4:3 schedules.hours is already defined in a.yaml; ids must be unique across the folder']);
  });

  it('a single-valued section defined in two files is reported in the second', () => {
    const p = compileSources(
      [
        { path: '/cfg/a.yaml', text: `clinic:\n  name: A\n${BASE}${ROUTES}` },
        { path: '/cfg/b.yaml', text: 'clinic:\n  name: B\n' },
      ],
      '/cfg',
    ).problems.map(formatProblem);
    expect(p).toEqual(["b.yaml:1:1 'clinic' is already defined in a.yaml; define it in one file only"]);
  });
});
