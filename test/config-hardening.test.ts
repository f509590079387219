/**
 * Issue 17, a config can be wrong, never dangerous: the loader refuses what it must not read
 * (devices, pipes, huge files, too many files), bounds what it builds (aliases, nesting, rules),
 * a hostile caller id cannot stall a decision, and a bad config on SIGHUP leaves the engine up.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reloadOnHangup } from '../src/cli/main.js';
import { loadPlan } from '../src/config/index.js';
import { LIMITS } from '../src/config/limits.js';
import { formatProblem } from '../src/config/load.js';
import { runCli } from './cli-helpers.js';
import { startLive, type Live } from './scenarios/live-harness.js';

const CLINIC = readFileSync('config/example-clinic.yaml', 'utf8');
const dir = () => mkdtempSync(join(tmpdir(), 'pbx-hardening-'));
const write = (folder: string, name: string, text: string) => {
  const file = join(folder, name);
  writeFileSync(file, text);
  return file;
};
const lines = (file: string, limits = LIMITS) => {
  const r = loadPlan(file, '/', limits);
  return { status: r.status, lines: r.problems.map(formatProblem) };
};

describe('what the loader refuses to read', () => {
  it('a config that is a device is refused without reading it; validate exits 2 (could not read)', async () => {
    expect(lines('/dev/zero')).toEqual({ status: 'unreadable', lines: ['dev/zero:1:1 cannot read the configuration: it is not a regular file (a device, pipe or socket); point it at a file'] });
    const r = await runCli('validate', '/dev/zero');
    expect(r.code).toBe(2);
  });

  it('a file over the size limit is refused before it is parsed', () => {
    const file = write(dir(), 'big.yaml', CLINIC);
    expect(lines(file, { ...LIMITS, fileBytes: 4096 }).lines).toEqual([`${file.slice(1)}:1:1 cannot read the configuration: the file is ${Math.round(CLINIC.length / 1024)} KiB, more than the 4 KiB allowed`]);
  });

  it('a folder of more files than allowed is refused, naming the count', () => {
    const folder = dir();
    for (let i = 0; i < 12; i++) write(folder, `${String(i).padStart(3, '0')}.yaml`, `mailboxes:\n  box-${i}: { email: [b${i}@clinic.example] }\n`);
    expect(lines(folder, { ...LIMITS, files: 10 }).lines).toEqual([`${folder.slice(1)}:1:1 cannot read the configuration: the folder has 12 config files, more than the 10 allowed; keep the routing config in fewer files`]);
  });

  it('an iCalendar source that is a named pipe or too large is a located problem, not a wait or an abort', () => {
    const folder = dir();
    mkdirSync(join(folder, 'closures'));
    const fifo = join(folder, 'closures', 'feed.ics');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const withIcal = (path: string) => CLINIC.replace('    holidays:\n', `    ical: ${path}\n    holidays:\n`);
    const config = write(folder, 'clinic.yaml', withIcal('closures/feed.ics'));
    const at = withIcal('closures/feed.ics').split('\n').findIndex((l) => l.includes('ical:')) + 1;
    expect(lines(config).lines).toEqual([`${config.slice(1)}:${at}:11 cannot read the iCalendar file closures/feed.ics: it is not a regular file (a device, pipe or socket); point it at a file`]);
    write(folder, 'big.ics', `BEGIN:VCALENDAR\n${'X-PAD:0123456789\n'.repeat(400)}END:VCALENDAR\n`);
    writeFileSync(config, withIcal('big.ics'));
    expect(lines(config, { ...LIMITS, icalBytes: 4096 }).lines).toEqual([`${config.slice(1)}:${at}:11 cannot read the iCalendar file big.ics: the file is 7 KiB, more than the 4 KiB allowed`]);
  });
});

describe('what the loader refuses to build', () => {
  it('more rules than allowed is one problem at routes, before any other check runs', () => {
    const file = write(dir(), 'rules.yaml', CLINIC);
    const at = CLINIC.split('\n').indexOf('routes:') + 1;
    expect(lines(file, { ...LIMITS, rules: 3 }).lines).toEqual([`${file.slice(1)}:${at}:1 4 rules, more than the 3 allowed; split the rule sets or use fewer, broader rules`]);
  });

  it('nesting deeper than allowed is one problem where it starts', () => {
    const text = `${CLINIC}x: ${'['.repeat(30)}${']'.repeat(30)}\n`;
    const file = write(dir(), 'deep.yaml', text);
    const row = text.split('\n').length - 1;
    expect(lines(file, { ...LIMITS, depth: 20 }).lines).toEqual([`${file.slice(1)}:${row}:24 maps and lists are nested more than 20 deep here; a routing config needs fewer than 10 levels`]);
  });

  it('more aliases than allowed is a problem at the first one past the limit; an anchor may be used many times below it', () => {
    const many = (n: number) => `${CLINIC.replace('      tue: ["08:00-17:00"]', '      tue: &day ["08:00-17:00"]').replace('      wed: ["08:00-17:00"]', '      wed: *day')}extra: [${Array(n).fill('*day').join(', ')}]\n`;
    expect(lines(write(dir(), 'ok.yaml', many(150))).lines).toEqual([expect.stringMatching(/unknown section 'extra'/)]);
    const file = write(dir(), 'aliases.yaml', many(30));
    expect(lines(file, { ...LIMITS, aliases: 20 }).lines).toEqual([expect.stringMatching(/:\d+:\d+ more than 20 aliases \(\*name\) in one file; write the values out$/)]);
  });

  it('a file of many mistakes lists the first ones and says how many more', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `    typo${i}: 1\n`).join('');
    const file = write(dir(), 'typos.yaml', CLINIC.replace('  maria:\n', () => `  maria:\n${keys}`));
    const r = lines(file, { ...LIMITS, problems: 5 }).lines;
    expect(r).toHaveLength(6);
    expect(r.slice(0, 5).every((l) => / unknown key 'typo\d+' in agents\.maria/.test(l))).toBe(true);
    expect(r[5]).toMatch(/:\d+:\d+ and 7 more problem\(s\) not listed; fix the ones above first$/);
  });

  it('a key named __proto__ is an unknown section, not a way to change the config', () => {
    const file = write(dir(), 'proto.yaml', `${CLINIC}__proto__:\n  routes: {}\n`);
    expect(lines(file).lines).toEqual([expect.stringMatching(/ unknown section '__proto__' in the file/)]);
  });
});

describe('a hostile caller id', () => {
  it('against a nested quantifier, a decision is still made at once (in a child process that is killed if it is not)', () => {
    const folder = dir();
    const config = write(folder, 'clinic.yaml', CLINIC.replace('routes:\n  inbound:\n', () => "routes:\n  inbound:\n    - name: Digits only\n      when: { caller: { pattern: '^\\+(\\d+)+$' } }\n      then: [{ hangup: true }]\n"));
    const script = `
      import { loadPlan } from './src/config/index.ts';
      import { decide } from './src/routing/engine.ts';
      const { plan, problems } = loadPlan(${JSON.stringify(config)});
      if (!plan) throw new Error(JSON.stringify(problems));
      const d = decide(plan, { did: '+15125550100', caller: '+${'1'.repeat(40)}x', at: Date.parse('2026-11-23T15:00:00Z'), whenInputsEnd: 'timeout' });
      console.log(JSON.stringify(d.trace[0]));`;
    // A backtracking engine needs about 2^40 steps for this caller id: the child would never answer.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toMatchObject({ rule: 'Digits only', matched: false, why: { condition: 'caller.pattern' } });
  });
});

describe('reload by SIGHUP', () => {
  let live: Live | null = null;
  let stopListening = () => {};
  afterEach(async () => {
    stopListening();
    await live?.stop();
    live = null;
  });

  it('an alias typo is logged problem by problem and the engine keeps running on its config; the admin path says the same; a fixed config then loads', async () => {
    const config = write(dir(), 'clinic.yaml', CLINIC);
    live = await startLive({ at: '2026-11-23T10:00', config });
    stopListening = reloadOnHangup(live.run);
    const version = live.run.engine.currentPlan().version;
    writeFileSync(config, CLINIC.replace('      tue: ["08:00-17:00"]', '      tue: *weekday').replace('      wed: ["08:00-17:00"]', '      wed: *weekdya'));
    live.logs.length = 0;
    process.emit('SIGHUP', 'SIGHUP');
    const problems = live.logs.filter((l) => l.startsWith('reload: ')).map((l) => l.slice('reload: '.length));
    expect(problems).toHaveLength(2);
    const line = (text: string) => CLINIC.split('\n').indexOf(text) + 1;
    expect(problems[0]).toMatch(new RegExp(`clinic\\.yaml:${line('      tue: ["08:00-17:00"]')}:12 alias \\*weekday has no anchor &weekday before it`));
    expect(problems[1]).toMatch(new RegExp(`clinic\\.yaml:${line('      wed: ["08:00-17:00"]')}:12 alias \\*weekdya has no anchor &weekdya before it`));
    expect(live.logs.at(-1)).toBe(`reload rejected: 2 problem(s); config ${version} stays`);
    expect(live.run.engine.currentPlan().version).toBe(version);
    expect(live.fake.isConnected('pbx-router')).toBe(true);
    const byApi = live.run.reload();
    expect(byApi.ok ? [] : byApi.problems.map((p) => p.replace(/^\S+clinic\.yaml/, 'clinic.yaml'))).toEqual(problems.map((p) => p.replace(/^\S+clinic\.yaml/, 'clinic.yaml')));
    writeFileSync(config, CLINIC.replace('      tue: ["08:00-17:00"]', '      tue: &weekday ["08:00-17:00"]').replace('      wed: ["08:00-17:00"]', '      wed: *weekday'));
    process.emit('SIGHUP', 'SIGHUP');
    expect(live.run.engine.currentPlan().version).not.toBe(version);
  });
});
