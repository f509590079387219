/**
 * A large generated configuration for the decision benchmark: 1,000 rules, 500 agents, 20 sites
 * with their own numbers, schedules, queues and menus, with the kinds of conditions clinics write.
 */
import type { Config, RuleConfig } from '../src/config/schema.js';
import { seededRandom } from '../src/cli/demo.js';

export interface GeneratedPlan {
  readonly config: Config;
  readonly dids: readonly string[];
}

/** Builds the configuration (deterministic for a seed). */
export function generateConfig(rules = 1000, agents = 500, seed = 42): GeneratedPlan {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const skills = ['scheduling', 'billing', 'nurse', 'spanish', 'referrals', 'lab', 'pharmacy', 'records'];
  const zones = ['America/Chicago', 'America/Denver', 'America/New_York', 'America/Los_Angeles'];
  const siteIds = Array.from({ length: 20 }, (_, i) => `site-${i}`);
  const dids: string[] = [];
  const config: Config = { clinic: { name: 'Bench Network', languageSkills: { es: 'spanish' } }, sites: {}, schedules: {}, agents: {}, queues: {}, menus: {}, mailboxes: {}, routes: {} };
  config.mailboxes!['desk'] = { email: ['desk@bench.example'] };
  siteIds.forEach((id, i) => {
    const siteDids = [0, 1, 2].map((k) => `+1512${String(5550000 + i * 10 + k)}`);
    dids.push(...siteDids);
    config.schedules![`hours-${i}`] = {
      weekly: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-12:00', '13:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-16:00'], sat: ['22:00-06:00'] },
      holidays: { country: 'US' },
      closures: [{ date: '2026-12-24', from: '12:00' }],
    };
    config.sites![id] = { name: `Site ${i}`, timezone: zones[i % zones.length]!, dids: siteDids, serves: [`+1${200 + i}`], schedule: `hours-${i}`, nearest: [siteIds[(i + 1) % 20]!] };
    for (const skill of skills.slice(0, 4)) {
      config.queues![`${skill}-${i}`] = { site: id, skills: { [skill]: 2 }, maxWait: 600, overflow: [{ voicemail: 'desk' }], relax: [{ after: 60, minLevel: 1 }, { after: 120, drop: ['spanish'] }] };
    }
    config.menus![`menu-${i}`] = {
      prompt: { en: `bench/menu-${i}`, es: `bench/menu-${i}-es` },
      options: Object.fromEntries(skills.slice(0, 4).map((s, k) => [String(k + 1), [{ queue: `${s}-${i}` }]])),
      onInvalid: [{ voicemail: 'desk' }],
      onTimeout: [{ queue: `scheduling-${i}` }],
    };
  });
  for (let a = 0; a < agents; a++) {
    const own: Record<string, number> = {};
    for (const s of skills) if (rand() < 0.5) own[s] = 1 + Math.floor(rand() * 5);
    own[skills[a % 4]!] = 3;
    config.agents![`agent-${a}`] = { name: `Agent ${a}`, endpoint: `PJSIP/${10000 + a}`, site: siteIds[a % 20]!, skills: own };
  }
  const list: RuleConfig[] = [];
  for (let r = 0; r < rules - 1; r++) {
    const i = r % 20;
    const did = dids[i * 3 + (r % 3)]!;
    const kind = r % 8;
    const when: RuleConfig['when'] =
      kind === 0 ? { did, open: true, language: 'es' }
      : kind === 1 ? { did, caller: { prefix: [`+1${300 + (r % 50)}`] } }
      : kind === 2 ? { did, priority: { min: 5 }, tags: { any: ['vip', 'urgent'] } }
      : kind === 3 ? { did, queue: { name: `nurse-${i}`, agentsAvailable: { min: 1 } }, open: true }
      : kind === 4 ? { did, holiday: true }
      : kind === 5 ? { did, caller: { pattern: `^\\+1${400 + (r % 90)}` } }
      : kind === 6 ? { did, open: false, mode: 'night' }
      : { did, open: true };
    const then: RuleConfig['then'] =
      kind === 2 ? [{ raisePriority: 1 }, { tag: 'seen' }]
      : kind === 3 ? [{ queue: `nurse-${i}` }]
      : kind === 7 ? [{ play: 'bench/welcome' }, { menu: `menu-${i}` }]
      : [{ queue: `${pick(skills.slice(0, 4))}-${i}` }];
    list.push({ name: `rule-${r}`, when, then });
  }
  list.push({ name: 'catch-all', then: [{ voicemail: 'desk' }] });
  config.routes!['inbound'] = list;
  return { config, dids };
}
