/**
 * The decision engine: follows a call from arrival through rule sets, site selection and menus
 * (consuming the caller's inputs so far) to an outcome, recording every step and every rule it
 * considered. Pure: the plan, the call context and the snapshot in, a Decision out.
 */
import { siteStatus } from './conditions.js';
import { agentState, candidates, requirementsAt } from './queue-selection.js';
import { escalationOrder, onCallAt } from './roster.js';
import { nextOpening } from './schedule.js';
import type { Action, CallContext, Decision, EvalEnv, Outcome, Plan, Prompt, Snapshot, Step, TraceEntry } from './types.js';

/** Steps after which a call is sent to safety: a guard against loops the validator could not see. */
const MAX_STEPS = 200;

type Flow = { readonly kind: 'continue' } | { readonly kind: 'done'; readonly outcome: Outcome } | { readonly kind: 'await'; readonly menu: string };
const CONTINUE: Flow = { kind: 'continue' };

interface Walk {
  readonly env: EvalEnv;
  readonly ctx: CallContext;
  readonly steps: Step[];
  readonly trace: TraceEntry[];
  input: number;
  budget: number;
}

/** Decides what happens to a call: the outcome, or the menu that waits for the caller's next key. */
export function decide(plan: Plan, ctx: CallContext, snapshot: Snapshot = {}): Decision {
  const env = newEnv(plan, ctx, snapshot);
  const walk: Walk = { env, ctx, steps: [], trace: [], input: 0, budget: MAX_STEPS };
  const flow = runRuleSet(walk, plan.clinic.entry);
  return finish(walk, flow);
}

/**
 * Continues a call that is already somewhere (e.g. a queue's overflow after the maximum wait, a
 * roster's final destination): runs these actions with the call's current language, priority,
 * tags and site.
 */
export function decideActions(
  plan: Plan,
  ctx: CallContext & { readonly site?: string | null },
  actions: readonly Action[],
  snapshot: Snapshot = {},
): Decision {
  const env = newEnv(plan, ctx, snapshot);
  if (ctx.site !== undefined) env.site = ctx.site;
  const walk: Walk = { env, ctx, steps: [], trace: [], input: 0, budget: MAX_STEPS };
  return finish(walk, runActions(walk, actions));
}

function newEnv(plan: Plan, ctx: CallContext, snapshot: Snapshot): EvalEnv {
  return {
    plan,
    snapshot,
    at: ctx.at,
    did: ctx.did,
    caller: ctx.caller,
    site: plan.didToSite.get(ctx.did) ?? null,
    language: ctx.language ?? plan.clinic.language,
    priority: ctx.priority ?? 0,
    tags: new Set(ctx.tags ?? []),
    statusMemo: new Map(),
  };
}

function finish(walk: Walk, flow: Flow): Decision {
  const { env, steps, trace } = walk;
  if (flow.kind === 'await') return { status: 'awaiting-input', menu: flow.menu, site: env.site, steps, trace, planVersion: env.plan.version };
  const outcome = flow.kind === 'done' ? flow.outcome : guardOutcome(walk, 'no destination was reached');
  return { status: 'done', outcome, site: env.site, steps, trace, planVersion: env.plan.version };
}

/** Where a call goes when routing itself fails: hang-up is never chosen silently, the failsafe is. */
function guardOutcome(walk: Walk, message: string): Outcome {
  walk.steps.push({ kind: 'guard', message });
  return { ...base(walk.env), action: 'hangup', target: null };
}

/** What every outcome carries (the destination's own part is added by outcomeOf). */
function base(env: EvalEnv): { priority: number; language: string; site: string | null; tags: string[] } {
  return { priority: env.priority, language: env.language, site: env.site, tags: [...env.tags] };
}

function runRuleSet(walk: Walk, id: string): Flow {
  const set = walk.env.plan.ruleSets.get(id);
  if (!set) return { kind: 'done', outcome: guardOutcome(walk, `rule set ${id} does not exist`) };
  const order = set.byDid.get(walk.env.did) ?? set.anyDid;
  for (let k = 0; k < order.length; k++) {
    const rule = set.rules[order[k]!]!;
    let why = null;
    for (let c = 0; c < rule.checks.length && why === null; c++) why = rule.checks[c]!(walk.env);
    if (why !== null) {
      walk.trace.push({ ruleSet: id, rule: rule.name, index: rule.index, matched: false, why });
      continue;
    }
    walk.trace.push({ ruleSet: id, rule: rule.name, index: rule.index, matched: true });
    walk.steps.push({ kind: 'rule', ruleSet: id, rule: rule.name, index: rule.index });
    const flow = runActions(walk, rule.then);
    if (flow.kind !== 'continue') return flow;
  }
  walk.steps.push({ kind: 'no-rule', ruleSet: id });
  return CONTINUE;
}

function runActions(walk: Walk, actions: readonly Action[]): Flow {
  const { env } = walk;
  for (const a of actions) {
    if (--walk.budget < 0) return { kind: 'done', outcome: guardOutcome(walk, `more than ${MAX_STEPS} steps: the routing loops`) };
    switch (a.kind) {
      case 'play':
        walk.steps.push({ kind: 'play', sound: sound(env, a.prompt) });
        break;
      case 'set-priority':
        env.priority = a.priority;
        walk.steps.push({ kind: 'set-priority', priority: env.priority });
        break;
      case 'raise-priority':
        env.priority = Math.min(9, env.priority + a.by);
        walk.steps.push({ kind: 'set-priority', priority: env.priority });
        break;
      case 'set-language':
        env.language = a.language;
        walk.steps.push({ kind: 'set-language', language: a.language });
        break;
      case 'tag':
        for (const t of a.tags) env.tags.add(t);
        walk.steps.push({ kind: 'tag', tags: a.tags });
        break;
      case 'sms':
        // Recorded only: whether the caller may get a text (and sending it) is the call engine's part.
        walk.steps.push({ kind: 'sms', message: a.message });
        break;
      case 'site': {
        chooseSite(walk, a);
        const routes = env.site !== null ? env.plan.sites.get(env.site)!.routes : null;
        if (routes !== null) {
          walk.steps.push({ kind: 'goto', ruleSet: routes });
          return runRuleSet(walk, routes);
        }
        break;
      }
      case 'goto':
        walk.steps.push({ kind: 'goto', ruleSet: a.target });
        return runRuleSet(walk, a.target);
      case 'menu':
        return runMenu(walk, a.target);
      default:
        return { kind: 'done', outcome: outcomeOf(env, a) };
    }
  }
  return CONTINUE;
}

function runMenu(walk: Walk, id: string): Flow {
  const { env, ctx } = walk;
  const menu = env.plan.menus.get(id);
  if (!menu) return { kind: 'done', outcome: guardOutcome(walk, `menu ${id} does not exist`) };
  const inputs = ctx.inputs ?? [];
  let lastFailure: 'invalid' | 'timeout' = 'timeout';
  for (let attempt = 1; attempt <= menu.retries + 1; attempt++) {
    if (--walk.budget < 0) return { kind: 'done', outcome: guardOutcome(walk, `more than ${MAX_STEPS} steps: the routing loops`) };
    const prompt = sound(env, attempt > 1 && lastFailure === 'invalid' && menu.invalidPrompt ? menu.invalidPrompt : menu.prompt);
    let input: string;
    if (walk.input < inputs.length) input = inputs[walk.input++]!;
    else if ((ctx.whenInputsEnd ?? 'await') === 'await') {
      walk.steps.push({ kind: 'menu', menu: id, attempt, sound: prompt, input: null, result: 'awaiting' });
      return { kind: 'await', menu: id };
    } else input = 'timeout';
    if (input === 'timeout') {
      walk.steps.push({ kind: 'menu', menu: id, attempt, sound: prompt, input, result: 'timeout' });
      lastFailure = 'timeout';
      continue;
    }
    const option = menu.options.get(input);
    if (option) {
      walk.steps.push({ kind: 'menu', menu: id, attempt, sound: prompt, input, result: 'option' });
      return runActions(walk, option);
    }
    walk.steps.push({ kind: 'menu', menu: id, attempt, sound: prompt, input, result: 'invalid' });
    lastFailure = 'invalid';
  }
  walk.steps.push({ kind: 'menu-exhausted', menu: id, after: lastFailure });
  return runActions(walk, lastFailure === 'invalid' ? menu.onInvalid : menu.onTimeout);
}

/** The sound of a prompt in the call's language, falling back to the clinic's language. */
export function sound(env: Pick<EvalEnv, 'language' | 'plan'>, prompt: Prompt): string {
  return prompt[env.language] ?? prompt.default ?? prompt[env.plan.clinic.language] ?? Object.values(prompt)[0] ?? '';
}

function saturated(env: EvalEnv, siteId: string): string | null {
  const site = env.plan.sites.get(siteId)!;
  if (!site.saturation) return null;
  let waiting = 0;
  let longest = 0;
  for (const q of site.queues) {
    const s = env.snapshot.queues?.[q];
    if (!s) continue;
    waiting += s.waiting;
    if (s.longestWait > longest) longest = s.longestWait;
  }
  if (site.saturation.longestWait !== undefined && longest > site.saturation.longestWait) {
    return `saturated: longest wait ${longest}s > ${site.saturation.longestWait}s`;
  }
  if (site.saturation.waiting !== undefined && waiting >= site.saturation.waiting) return `saturated: ${waiting} waiting`;
  return null;
}

function chooseSite(walk: Walk, a: Extract<Action, { kind: 'site' }>): void {
  const { env } = walk;
  let chosen: string | null;
  let by: string = a.by;
  if (a.by === 'fixed') chosen = a.site;
  else if (a.by === 'did') chosen = env.plan.didToSite.get(env.did) ?? null;
  else {
    chosen = null;
    let best = 0;
    for (const site of env.plan.sites.values()) {
      for (const prefix of site.serves) {
        if (prefix.length > best && env.caller.startsWith(prefix)) {
          best = prefix.length;
          chosen = site.id;
        }
      }
    }
    if (chosen === null) {
      chosen = env.plan.didToSite.get(env.did) ?? env.plan.sites.keys().next().value ?? null;
      by = 'caller-area (no site serves this caller: the number\'s own or first site)';
    }
  }
  const skipped: { site: string; why: string }[] = [];
  if (chosen !== null && a.overflow) {
    const candidatesInOrder = [chosen, ...env.plan.sites.get(chosen)!.nearest];
    let picked: string | null = null;
    for (const id of candidatesInOrder) {
      const status = siteStatus(env, id);
      const why = !status.open ? `closed (${status.reason}${status.name ? ` ${status.name}` : ''}, ${status.local})` : saturated(env, id);
      if (why === null) {
        picked = id;
        break;
      }
      skipped.push({ site: id, why });
    }
    // Every site closed or saturated: stay with the first choice, whose rules handle after-hours.
    if (picked !== null) chosen = picked;
  }
  env.site = chosen;
  walk.steps.push({ kind: 'site', site: chosen, by, skipped });
}

function outcomeOf(env: EvalEnv, a: Action): Outcome {
  const { plan } = env;
  switch (a.kind) {
    case 'queue': {
      const q = plan.queues.get(a.target)!;
      if (q.priority > env.priority) env.priority = q.priority;
      const req = requirementsAt(q, plan.clinic.languageSkills, env.language, 0);
      return {
        ...base(env),
        action: 'queue',
        target: q.id,
        queue: {
          skills: req,
          strategy: q.strategy,
          ringTimeout: q.ringTimeout,
          maxWait: q.maxWait,
          musicOnHold: q.musicOnHold,
          announce: q.announce,
          relax: q.relax,
          candidates: candidates(q, plan.agents, req, env.snapshot),
          overflow: q.overflow,
          callbackList: q.callbackKey,
          whisper: q.whisper ? [sound(env, q.whisper), ...(env.language !== plan.clinic.language ? [`pbx-router/language-${env.language}`] : [])] : null,
        },
      };
    }
    case 'agent': {
      const agent = plan.agents.get(a.target)!;
      return { ...base(env), action: 'agent', target: agent.id, agent: { endpoint: agent.endpoint, state: agentState(env.snapshot, agent.id) } };
    }
    case 'ring-group': {
      const g = plan.ringGroups.get(a.target)!;
      const ring = g.agents.filter((id) => agentState(env.snapshot, id) === 'available').map((id) => ({ agent: id, endpoint: plan.agents.get(id)!.endpoint }));
      return { ...base(env), action: 'ring-group', target: g.id, ringGroup: { strategy: g.strategy, agents: g.agents, ring, ringTimeout: g.ringTimeout, noAnswer: g.noAnswer } };
    }
    case 'forward': {
      const r = plan.rosters.get(a.target)!;
      const extra = env.snapshot.rosterOverrides?.[r.id] ?? [];
      const onCall = r.members.size > 0 ? onCallAt(r, env.at, extra).member : null;
      const attempts = escalationOrder(r, env.at, extra).map((m) => ({
        member: m.id,
        name: m.name,
        number: m.number,
        dial: plan.outbound ? plan.outbound.trunk.replace('{number}', m.number) : '',
        ringTime: m.ringTime,
      }));
      return {
        ...base(env),
        action: 'forward',
        target: r.id,
        forward: { onCall, attempts, confirm: r.confirm, callerId: plan.outbound?.callerId ?? null, final: r.final },
      };
    }
    case 'voicemail': {
      const m = plan.mailboxes.get(a.target)!;
      return {
        ...base(env),
        action: 'voicemail',
        target: m.id,
        voicemail: { maxLength: m.maxLength, attachAudio: m.attachAudio, email: m.email, greeting: m.greeting ? sound(env, m.greeting) : null },
      };
    }
    case 'callback': {
      const c = plan.callbacks.get(a.target)!;
      const site = plan.sites.get(c.site)!;
      return {
        ...base(env),
        action: 'callback',
        target: c.id,
        callback: { reasons: Object.fromEntries(c.reasons), deadline: nextOpening(site.schedule, site.timezone, env.at), webhook: c.webhook },
      };
    }
    case 'hangup':
      return { ...base(env), action: 'hangup', target: null };
    default:
      throw new Error(`not a destination: ${a.kind}`);
  }
}
