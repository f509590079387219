/**
 * The live wallboard: a page for the office screen with each queue's waiting callers and longest
 * wait, the agents and their states, and the calls in progress, refreshed every 2 s from
 * `/wallboard/data`. It has its own read-only key (PBX_ROUTER_WALLBOARD_TOKEN), since the URL
 * lives on a screen: that key shows counts and staff names, never a caller's number, and cannot
 * pause an agent or reload the config. When the engine stops answering, the page says so instead
 * of showing old figures as if they were current.
 */
import type { EngineView } from '../calls/call-engine.js';

/** What the wallboard shows (no patient data). */
export interface WallboardData {
  readonly at: number;
  readonly clinic: string;
  readonly ari: string;
  readonly callsInProgress: number;
  readonly queues: readonly { readonly id: string; readonly waiting: number; readonly longestWait: number }[];
  readonly agents: readonly { readonly name: string; readonly state: string }[];
  readonly endedSinceStart: Readonly<Record<string, number>>;
  /** Prompts missing on the Asterisk (a count: the names are for clinic IT, in `status`). */
  readonly promptsMissing: number;
}

/** What the page shows now (no patient data). */
export function wallboardData(engine: EngineView, ari: string, now: number, promptsMissing = 0): WallboardData {
  const plan = engine.currentPlan();
  const queues = engine.queueSnapshot();
  const agents = engine.agentSnapshot();
  return {
    at: now,
    clinic: plan.clinic.name,
    ari,
    callsInProgress: engine.active(),
    queues: [...plan.queues.keys()].map((id) => ({ id, waiting: queues[id]?.waiting ?? 0, longestWait: queues[id]?.longestWait ?? 0 })),
    agents: [...plan.agents.values()].map((a) => ({ name: a.name, state: agents[a.id]?.state ?? 'offline' })),
    endedSinceStart: engine.endedByOutcome(),
    promptsMissing,
  };
}

/** The page itself: no external assets, so it works on a closed network. */
export const WALLBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pbx-router wallboard</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #10151c; color: #e8edf2; }
  header { display: flex; justify-content: space-between; align-items: baseline; padding: 12px 24px; background: #1b2430; }
  h1 { font-size: 24px; margin: 0; }
  #banner { display: none; padding: 12px 24px; background: #b3261e; font-size: 22px; font-weight: 600; }
  #banner.shown { display: block; }
  #prompts { display: none; padding: 8px 24px; background: #f9a825; color: #000; font-size: 18px; }
  #prompts.shown { display: block; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 24px; padding: 24px; }
  .queues { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; align-content: start; }
  .queue { background: #1b2430; border-radius: 8px; padding: 16px; border-left: 8px solid #2e7d32; }
  .queue.warn { border-left-color: #f9a825; }
  .queue.alert { border-left-color: #c62828; }
  .queue .name { font-size: 20px; text-transform: capitalize; }
  .queue .waiting { font-size: 56px; font-weight: 700; }
  .queue .longest { font-size: 18px; color: #b0bec5; }
  table { width: 100%; border-collapse: collapse; font-size: 18px; }
  td { padding: 6px 8px; border-bottom: 1px solid #263241; }
  .state { border-radius: 4px; padding: 2px 8px; }
  .available { background: #2e7d32; } .ringing { background: #f9a825; color: #000; } .busy { background: #1565c0; }
  .wrap-up { background: #6a1b9a; } .paused { background: #546e7a; } .offline { background: #37474f; color: #90a4ae; }
  footer { padding: 0 24px 24px; color: #90a4ae; font-size: 16px; }
</style>
</head>
<body>
<header><h1 id="clinic">Wallboard</h1><div><span id="calls">-</span> call(s) in progress · updated <span id="updated">never</span></div></header>
<div id="banner" role="alert"></div>
<div id="prompts" role="status"></div>
<main>
  <section class="queues" id="queues" aria-label="queues"></section>
  <section aria-label="agents"><table><tbody id="agents"></tbody></table></section>
</main>
<footer id="ended"></footer>
<script>
const key = new URLSearchParams(location.search).get('key') || '';
const mmss = (s) => Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
function el(tag, attrs, text) { const e = document.createElement(tag); Object.assign(e, attrs); if (text !== undefined) e.textContent = text; return e; }
function show(d) {
  document.getElementById('clinic').textContent = d.clinic;
  document.getElementById('calls').textContent = d.callsInProgress;
  document.getElementById('updated').textContent = new Date(d.at).toLocaleTimeString();
  const banner = document.getElementById('banner');
  banner.className = d.ari === 'connected' ? '' : 'shown';
  banner.textContent = d.ari === 'connected' ? '' : 'The engine is not connected to Asterisk (' + d.ari + '): calls go to the failsafe.';
  const prompts = document.getElementById('prompts');
  prompts.className = d.promptsMissing > 0 ? 'shown' : '';
  prompts.textContent = d.promptsMissing > 0 ? d.promptsMissing + ' recorded prompt(s) are missing on the phone system: some callers hear silence. Clinic IT: pbx-router prompts check.' : '';
  const queues = document.getElementById('queues');
  queues.replaceChildren(...d.queues.map((q) => {
    const card = el('div', { className: 'queue' + (q.longestWait >= 300 ? ' alert' : q.longestWait >= 120 ? ' warn' : ''), id: 'queue-' + q.id });
    card.append(el('div', { className: 'name' }, q.id.replace(/-/g, ' ')), el('div', { className: 'waiting' }, String(q.waiting)), el('div', { className: 'longest' }, q.waiting ? 'longest wait ' + mmss(q.longestWait) : 'nobody waiting'));
    return card;
  }));
  document.getElementById('agents').replaceChildren(...d.agents.map((a) => {
    const row = el('tr');
    const state = el('td'); state.append(el('span', { className: 'state ' + a.state }, a.state));
    row.append(el('td', {}, a.name), state);
    return row;
  }));
  const ended = Object.entries(d.endedSinceStart).map(([k, v]) => k + ' ' + v).join(' · ');
  document.getElementById('ended').textContent = 'Ended since the engine started: ' + (ended || 'none');
}
async function refresh() {
  try {
    const r = await fetch('/wallboard/data', { headers: { 'x-wallboard-key': key }, cache: 'no-store' });
    if (!r.ok) throw new Error(r.status === 401 ? 'wrong or missing wallboard key' : 'HTTP ' + r.status);
    show(await r.json());
  } catch (e) {
    const banner = document.getElementById('banner');
    banner.className = 'shown';
    banner.textContent = 'No answer from pbx-router (' + e.message + '): the figures below are from ' + document.getElementById('updated').textContent + '.';
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
