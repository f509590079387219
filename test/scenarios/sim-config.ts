/**
 * A copy of a routing config for the REST-only harness: every agent's desk phone is replaced by a
 * simulated agent of the shipped dialplan (`Local/pickup-maria@sim-agent` answers,
 * `away-` rings out, `busy-` is busy, `fail-` is congestion), so a real Asterisk can play them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

export type SimAgent = 'answer' | 'noanswer' | 'busy' | 'congestion';

const PREFIX: Readonly<Record<SimAgent, string>> = { answer: 'pickup', noanswer: 'away', busy: 'busy', congestion: 'fail' };

/** The sim-agent dial string for an agent with a behaviour. */
export const simAgentEndpoint = (agent: string, behaviour: SimAgent) => `Local/${PREFIX[behaviour]}-${agent}@sim-agent`;

/** Writes the config with each agent on its simulated phone (default: rings out); returns the file. */
export function writeSimConfig(source: string, agents: Readonly<Record<string, SimAgent>>): string {
  const doc = parseDocument(readFileSync(source, 'utf8'));
  const ids = Object.keys((doc.toJS() as { agents?: Record<string, unknown> }).agents ?? {});
  for (const id of ids) doc.setIn(['agents', id, 'endpoint'], simAgentEndpoint(id, agents[id] ?? 'noanswer'));
  const file = join(mkdtempSync(join(tmpdir(), 'pbx-sim-config-')), 'clinic.yaml');
  writeFileSync(file, doc.toString());
  return file;
}
