import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Asterisk config files as contexts of [key, value] lines (comments and blank lines dropped). */
function parseConf(file: string): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  let current = '';
  for (const raw of readFileSync(new URL(`../dialplan/${file}`, import.meta.url), 'utf8').split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (!line) continue;
    const ctx = /^\[([^\]]+)\]/.exec(line);
    if (ctx) {
      current = ctx[1]!;
      if (!out.has(current)) out.set(current, []);
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (kv) out.get(current)?.push([kv[1]!.trim(), kv[2]!.trim()]);
  }
  return out;
}

/** The applications of one extension in priority order (`exten => x,1,App(...)` then `same => n,...`). */
function extension(ctx: [string, string][], exten: string): string[] {
  const apps: string[] = [];
  let inside = false;
  for (const [key, value] of ctx) {
    if (key === 'exten') {
      const [x] = value.split(',');
      inside = x === exten;
      if (inside) apps.push(value.split(',').slice(2).join(','));
    } else if (key === 'same' && inside) {
      const [priority, ...rest] = value.split(',');
      const label = /^n\((\w+)\)$/.exec(priority!)?.[1];
      apps.push(`${label ? `(${label})` : ''}${rest.join(',')}`);
    }
  }
  return apps;
}

const ext = parseConf('extensions.conf');

describe('dialplan: every inbound call reaches the engine, and the failsafe when the engine is not there', () => {
  it.each(['from-carrier', 'phones'])('%s sends calls into Stasis with the DID and then through the failsafe check', (context) => {
    const apps = extension(ext.get(context)!, '_X.');
    const stasis = apps.findIndex((a) => a === 'Stasis(${ROUTER_APP},${EXTEN})');
    expect(stasis).toBeGreaterThanOrEqual(0);
    expect(apps[stasis + 1]).toBe('Gosub(router-failsafe,s,1)');
  });

  it('the carrier context strips a leading + so the DID argument is the same either way', () => {
    expect(extension(ext.get('from-carrier')!, '_+X.')).toEqual(['Goto(${EXTEN:1},1)']);
  });

  it('STASISSTATUS=FAILED rings the fallback group, then voicemail; never silence', () => {
    const apps = extension(ext.get('router-failsafe')!, 's');
    const check = apps.findIndex((a) => /GotoIf\(\$\["\$\{STASISSTATUS\}" = "FAILED"\]\?fallback\)/.test(a));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(apps[check + 1]).toBe('Return()');
    const fallback = apps.findIndex((a) => a.startsWith('(fallback)'));
    const after = apps.slice(fallback);
    const dial = after.findIndex((a) => a.startsWith('Dial(${FALLBACK_DIAL}'));
    const vm = after.findIndex((a) => a.startsWith('VoiceMail('));
    expect(dial).toBeGreaterThan(0);
    expect(vm).toBeGreaterThan(dial);
    expect(after.at(-1)).toBe('Hangup()');
    expect(ext.get('globals')!.find(([k]) => k === 'FALLBACK_DIAL')?.[1]).toMatch(/^PJSIP\/\d+(&PJSIP\/\d+)*$/);
  });

  it('the context the engine hands calls to (continueInDialplan) also rings the fallback and takes a voicemail', () => {
    const apps = extension(ext.get('pbx-router-failsafe')!, 's');
    expect(apps.some((a) => a.startsWith('Dial(${FALLBACK_DIAL}'))).toBe(true);
    expect(apps.some((a) => a.startsWith('VoiceMail('))).toBe(true);
  });

  it('simulated callers wait with audio (silence prompts), not Wait()', () => {
    const hold = extension(ext.get('sim-hold')!, 's');
    expect(hold.some((a) => a.startsWith('Playback(silence/'))).toBe(true);
    expect(hold.some((a) => a.startsWith('Wait('))).toBe(false);
  });
});

describe('Asterisk services bind to loopback with the least rights', () => {
  it('HTTP (ARI) on 127.0.0.1 with a raised WebSocket write timeout', () => {
    expect(parseConf('http.conf').get('general')).toContainEqual(['bindaddr', '127.0.0.1']);
    const ari = parseConf('ari.conf');
    expect(Number(ari.get('general')!.find(([k]) => k === 'websocket_write_timeout')?.[1])).toBeGreaterThan(100);
    expect(ari.get('router')!.find(([k]) => k === 'password')?.[1]).toBe('${ARI_PASSWORD}');
  });

  it('AMI user: read system,call only, write only the reporting class (DeviceStateList needs it), loopback only', () => {
    const m = parseConf('manager.conf');
    expect(m.get('general')).toContainEqual(['bindaddr', '127.0.0.1']);
    const user = m.get('router')!;
    expect(user).toContainEqual(['read', 'system,call']);
    // Not call, originate, command, config or system: reporting allows status lists and nothing that changes a call.
    expect(user.find(([k]) => k === 'write')?.[1]).toBe('reporting');
    expect(user).toContainEqual(['permit', '127.0.0.1/255.255.255.255']);
  });
});

describe('dialplan: simulated agents for the REST-only scenario harness', () => {
  const sim = ext.get('sim-agent')!;
  it.each([
    ['answer', 'pickup'],
    ['noanswer', 'away'],
    ['busy', 'busy'],
    ['congestion', 'fail'],
  ] as const)('%s: the per-agent extension of the harness (%s-<agent>) goes to it', async (behaviour, prefix) => {
    const { simAgentEndpoint } = await import('./scenarios/sim-config.js');
    expect(simAgentEndpoint('maria', behaviour)).toBe(`Local/${prefix}-maria@sim-agent`);
    expect(extension(sim, `_${prefix}.`)).toEqual([`Goto(${behaviour},1)`]);
    expect(extension(sim, behaviour).length).toBeGreaterThan(0);
    // N, X and Z in a pattern are digit classes (in either case): a prefix with them would never match.
    expect(prefix).not.toMatch(/[nxz]/i);
  });
});
