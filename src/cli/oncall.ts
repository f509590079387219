/** `pbx-router oncall show [--at]` and `pbx-router oncall override <roster> <member> --from --to`. */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { escalationOrder, handoffsBetween, onCallAt } from '../routing/roster.js';
import type { Plan } from '../routing/types.js';
import { DEFAULT_DATABASE } from '../main.js';
import { CallStore } from '../store/call-store.js';
import { openStore, storeMissing } from '../store/open-store.js';
import { InputError, parseInstant } from './inputs.js';
import { DEFAULT_CONFIG } from './zone.js';
import type { Io } from './io.js';

const DB = DEFAULT_DATABASE;
const fmt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');

/** Adds the oncall commands; `planFor` loads a config, or reports its problems, sets the exit code and returns null. */
export function addOncallCommands(program: Command, io: Io, planFor: (config: string) => Plan | null): void {
  const oncall = program.command('oncall').description('on-call rosters: who is on call, and overrides');
  oncall
    .command('show')
    .description('who is on call for each roster, the escalation order and the next handoffs')
    .option('-c, --config <file>', 'config file or folder (env PBX_ROUTER_CONFIG)', DEFAULT_CONFIG)
    .option('--at <time>', 'the moment to show (ISO-8601; default now)')
    .option('--db <file>', 'SQLite database with run-time overrides (read if it exists)', DB)
    .option('--json', "a JSON array, one entry per roster (times ISO-8601 in the roster's time zone)")
    .action((o: { config: string; at?: string; db: string; json?: boolean }) => {
      const plan = planFor(o.config);
      if (!plan) return; // planFor reported the problems and set the exit code
      const overrides = readOverrides(o.db);
      const rows: unknown[] = [];
      for (const r of plan.rosters.values()) {
        const at = o.at ? parseInstant(o.at, r.timezone) : Date.now();
        const extra = overrides[r.id] ?? [];
        const now = onCallAt(r, at, extra);
        const m = r.members.get(now.member);
        const iso = (ms: number) => DateTime.fromMillis(ms, { zone: r.timezone }).toISO();
        if (o.json) {
          rows.push({
            roster: r.id,
            at: iso(at),
            onCall: { member: now.member, name: m?.name ?? null, number: m?.number ?? null, via: now.via, since: iso(now.since), until: iso(now.until) },
            escalation: escalationOrder(r, at, extra).map((x) => ({ name: x.name, number: x.number, ringTime: x.ringTime })),
            finalActions: r.final.length,
            handoffs: handoffsBetween(r, at, at + 14 * 86_400_000, extra)
              .slice(0, 4)
              .map((h) => ({ at: iso(h.at), member: h.member, name: r.members.get(h.member)?.name ?? null })),
          });
          continue;
        }
        io.out(`${r.id} at ${fmt(at, r.timezone)}: ${m?.name ?? now.member} (${m?.number ?? '?'}) by ${now.via}, ${fmt(now.since, r.timezone)} to ${fmt(now.until, r.timezone)}`);
        io.out(`  escalation: ${escalationOrder(r, at, extra).map((x) => `${x.name} ${x.number} ${x.ringTime}s`).join(' -> ')}; then ${r.final.length} final action(s)`);
        for (const h of handoffsBetween(r, at, at + 14 * 86_400_000, extra).slice(0, 4)) io.out(`  from ${fmt(h.at, r.timezone)}: ${r.members.get(h.member)?.name ?? h.member}`);
      }
      if (o.json) io.out(JSON.stringify(rows, null, 2));
    });
  oncall
    .command('override')
    .description('put a member on call for a period (stored in the database; the running engine uses it at once)')
    .argument('<roster>')
    .argument('<member>')
    .requiredOption('--from <time>', 'start, ISO-8601 (without offset: the roster site time zone)')
    .requiredOption('--to <time>', 'end')
    .option('-c, --config <file>', 'config file or folder (env PBX_ROUTER_CONFIG)', DEFAULT_CONFIG)
    .option('--db <file>', 'SQLite file or postgres:// URL', DB)
    .action((roster: string, member: string, o: { from: string; to: string; config: string; db: string }) => {
      const plan = planFor(o.config);
      if (!plan) return; // planFor reported the problems and set the exit code
      const r = plan.rosters.get(roster);
      if (!r) throw new InputError(`unknown roster '${roster}' (rosters: ${[...plan.rosters.keys()].join(', ') || 'none'})`);
      if (!r.members.has(member)) throw new InputError(`'${member}' is not a member of ${roster} (members: ${[...r.members.keys()].join(', ')})`);
      const from = parseInstant(o.from, r.timezone, '--from');
      const to = parseInstant(o.to, r.timezone, '--to');
      if (to <= from) throw new InputError(`--to (${o.to}) must be after --from (${o.from})`);
      const id = new CallStore(openStore(o.db)).addOncallOverride(roster, member, from, to, Date.now());
      io.out(`override ${id}: ${r.members.get(member)!.name} on call for ${roster} from ${fmt(from, r.timezone)} to ${fmt(to, r.timezone)}`);
    });
}

function readOverrides(db: string) {
  if (storeMissing(db)) return {};
  try {
    return new CallStore(openStore(db)).oncallOverrides(0);
  } catch {
    return {};
  }
}
