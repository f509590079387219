/**
 * The World on the fake Asterisk (npm test): the engine in-process as `pbx-router run` builds it,
 * on the fake's virtual clock, with a fake AMI for the desk phones' presence and a real SMTP server
 * on loopback. What a caller heard is read from the fake: the playbacks that finished on the
 * caller's channel, and what the channel was hearing, sampled every few ms of PBX time.
 */
import { readFileSync } from 'node:fs';
import { loadPlan } from '../../src/config/index.js';
import { smtpMailer } from '../../src/notify/mailer.js';
import { FakeAmi } from '../fakes/fake-ami.js';
import type { FakeSmsProvider } from '../fakes/sms-provider.js';
import { startSmtp, type TestSmtp } from '../fakes/smtp.js';
import { only } from '../support/agents.js';
import { removeVariants, variant } from './after-hours.js';
import { startLive, type Live } from './live-harness.js';
import { startTestSmsProvider, TEST_SMS_ENV, tierConfig } from './tier-config.js';
import { explainFrom, type Caller, type CellBehaviour, type DeskCall, type PhoneBehaviour, type World, type WorldOptions } from './world.js';

const AMI_SECRET = 'fake-world-ami-secret';

/** Starts a fake-backend world: Monday 2026-11-23 10:00 in Austin, the clinic forced open or closed. */
export async function startFakeWorld(o: WorldOptions): Promise<World> {
  const sms: FakeSmsProvider = await startTestSmsProvider();
  const config = variant({ ...tierConfig(sms.url), ...(o.config ?? {}) });
  const { plan } = loadPlan(config);
  if (!plan) {
    await sms.close();
    throw new Error(`the scenario config is invalid:\n${loadPlan(config).problems.map((p) => p.message).join('\n')}`);
  }
  const endpointOf = (agent: string) => plan.agents.get(agent)?.endpoint ?? `PJSIP/${agent}`;
  const smtp: TestSmtp = await startSmtp();
  const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
  const ami = new FakeAmi('router', AMI_SECRET, shippedAmiWrite());
  const amiPort = await ami.start();
  for (const a of plan.agents.values()) ami.devices.set(a.endpoint, o.unregistered?.includes(a.id) ? 'UNAVAILABLE' : 'NOT_INUSE');
  const env = { ...process.env, ASTERISK_AMI_HOST: '127.0.0.1', ASTERISK_AMI_PORT: String(amiPort), ASTERISK_AMI_USER: 'router', ASTERISK_AMI_PASSWORD: AMI_SECRET, ...TEST_SMS_ENV };
  const live: Live = await startLive({ at: '2026-11-23T10:00', config, mailer, env, speed: 20 });
  live.run.engine.setMode(o.mode, null);
  for (const a of plan.agents.values()) live.fake.setAgent(a.endpoint, o.unregistered?.includes(a.id) ? 'unregistered' : 'noanswer');
  const hearing = new Map<string, { at: number; what: string }[]>();
  const sampler = setInterval(() => {
    for (const c of live.fake.calls()) {
      const what = live.fake.hearing(c.channelId);
      const list = hearing.get(c.channelId) ?? [];
      if (list.at(-1)?.what !== what) list.push({ at: live.fake.now(), what });
      hearing.set(c.channelId, list);
    }
  }, 2);

  const world: World = {
    backend: 'fake',
    store: () => live.run.store,
    emails: () => smtp.received,
    texts: () => sms.messages,
    explain: (call) => explainFrom(live.database, call),
    sleep: (ms) => live.sleep(ms),
    async until(what, check, ms = 120_000) {
      const end = live.fake.now() + ms;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false && v !== null) return v as never;
        if (live.fake.now() > end) throw new Error(`timed out after ${ms / 1000} s of PBX time waiting for ${what}\nengine log:\n${live.logs.slice(-30).join('\n')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async only(agents) {
      only(live.run.engine, agents);
    },
    async pause(agent, paused) {
      live.run.engine.pauseAgent(agent, paused);
    },
    async agentState(agent) {
      return live.run.engine.agentState(agent);
    },
    async phone(agent, b: PhoneBehaviour) {
      const ep = endpointOf(agent);
      live.fake.setAgent(ep, b);
      ami.deviceState(ep, b === 'unregistered' ? 'UNAVAILABLE' : 'NOT_INUSE');
      if (b === 'unregistered') ami.contactStatus(ep.replace(/^PJSIP\//, ''), 'Removed');
    },
    async answer(agent) {
      live.fake.answerAgent(endpointOf(agent));
    },
    async deskCall(from, to): Promise<DeskCall> {
      const [a, b] = [endpointOf(from), endpointOf(to)];
      ami.deviceState(a, 'INUSE');
      ami.deviceState(b, 'INUSE');
      return {
        async hangup() {
          ami.deviceState(a, 'NOT_INUSE');
          ami.deviceState(b, 'NOT_INUSE');
        },
      };
    },
    async cell(number, b: CellBehaviour) {
      live.fake.setAgent(`PJSIP/${number}@carrier`, b);
    },
    cellsHeard() {
      const legs = new Set(live.events('Dial').filter((e) => String(e.dialstring).includes('@carrier')).map((e) => (e.peer as { id: string }).id));
      return finishedSounds(live, (target) => legs.has(target));
    },
    async call(o) {
      const placed = live.fake.placeCall({ did: o.did ?? '+15125550100', caller: o.caller, script: o.script });
      const started = live.fake.now();
      const caller: Caller = {
        number: o.caller,
        record: () => live.run.store.callByChannel(placed.channelId),
        heard: () => finishedSounds(live, (t) => t === placed.channelId, true),
        longestSilence(from = 0, to = Number.POSITIVE_INFINITY) {
          const list = hearing.get(placed.channelId) ?? [];
          const end = Math.min(live.fake.now(), started + to);
          let longest = 0;
          list.forEach((h, i) => {
            if (h.what !== 'silence') return;
            const a = Math.max(h.at, started + from);
            const b = Math.min(list[i + 1]?.at ?? end, end);
            longest = Math.max(longest, b - a);
          });
          return longest;
        },
        elapsed: () => live.fake.now() - started,
        async hangup() {
          live.fake.hangupCaller(placed.channelId);
        },
        async gone() {
          return !live.fake.channels().some((c) => c.id === placed.channelId);
        },
      };
      return caller;
    },
    async channels() {
      return live.fake.channels().map((c) => ({ id: String(c.id), name: String(c.name), state: String(c.state), context: String((c.dialplan as { context?: string }).context ?? ''), caller: String((c.caller as { number?: string }).number ?? '') }));
    },
    async bridges() {
      return live.fake.bridges().map((b) => ({ id: String(b.id), bridge_type: String(b.bridge_type), channels: b.channels as string[] }));
    },
    async restartAsterisk() {
      live.fake.restartAsterisk(3000);
    },
    async killEngine() {
      await live.kill();
    },
    async startEngine() {
      await live.boot();
      live.run.engine.setMode(o.mode, null);
    },
    logs: () => live.logs,
    pbxLog: () => '',
    diagnostics: () => `engine log:\n${live.logs.slice(-60).join('\n')}`,
    async stop() {
      clearInterval(sampler);
      await live.stop();
      await ami.stop();
      await smtp.close();
      await sms.close();
      removeVariants();
    },
  };
  return world;
}

/** The write classes of the AMI user in the shipped dialplan/manager.conf (what the fake AMI allows). */
function shippedAmiWrite(): string {
  const text = readFileSync(new URL('../../dialplan/manager.conf', import.meta.url), 'utf8');
  return /^write\s*=\s*(.*)$/m.exec(text)?.[1]?.replace(/;.*$/, '').trim() ?? '';
}

/** Sounds whose playback finished on a target, in order; with `moh`, stretches of music between them too. */
function finishedSounds(live: Live, target: (channel: string) => boolean, moh = false): string[] {
  const out: string[] = [];
  for (const l of live.fake.eventLog()) {
    const e = l.event;
    // An item of a media list ends with PlaybackContinuing, the last with PlaybackFinished.
    if (e.type === 'PlaybackFinished' || e.type === 'PlaybackContinuing') {
      const p = e.playback as { target_uri: string; media_uri: string; state: string };
      if ((p.state === 'done' || p.state === 'continuing') && target(p.target_uri.replace(/^channel:/, ''))) out.push(p.media_uri.replace(/^sound:/, ''));
    }
    if (moh && e.type === 'ChannelEnteredBridge' && target(String((e.channel as { id: string }).id)) && (e.bridge as { bridge_type: string }).bridge_type === 'holding' && out.at(-1) !== 'moh') out.push('moh');
  }
  return out;
}
