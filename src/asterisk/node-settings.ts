/**
 * Which Asterisk nodes the engine drives, from the environment (issue 19):
 * `ASTERISK_NODES=a=http://10.0.0.11:8088,b=http://10.0.0.12:8088` (ARI; the user, password and
 * application are the single-node variables') and `ASTERISK_AMI_NODES=a=10.0.0.11:5038,...`
 * (AMI; the AMI user and password likewise). Without ASTERISK_NODES the engine drives one
 * Asterisk, as before. Every problem is collected and said with the variable and the bad part.
 */
import { AriUrlError, parseAriUrl } from './ari-url.js';

export interface NodeSetting {
  readonly name: string;
  /** ARI base URL, without userinfo. */
  readonly ariUrl: string;
  /** AMI of the node, when ASTERISK_AMI_NODES names it. */
  readonly ami: { readonly host: string; readonly port: number } | null;
}

/** ASTERISK_NODES or ASTERISK_AMI_NODES that cannot be read. */
export class NodeSettingsError extends Error {
  readonly code = 'bad-asterisk-nodes';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** As `asterisk-config --node` takes them: the node's systemname, which prefixes its channel ids. */
const NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

function items(variable: string, text: string, problems: string[]): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const raw of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = raw.indexOf('=');
    const name = eq < 0 ? '' : raw.slice(0, eq).trim();
    const value = eq < 0 ? '' : raw.slice(eq + 1).trim();
    if (!NAME.test(name) || !value) {
      problems.push(`${variable}: "${raw.replace(/\/\/[^/@]*@/, '//')}" is not <node>=<address>; the node is its systemname (lower-case letters, digits and -, as given to asterisk-config --node)`);
      continue;
    }
    if (out.some((o) => o.name === name)) problems.push(`${variable}: node ${name} is listed twice`);
    out.push({ name, value });
  }
  if (out.length === 0 && problems.length === 0) problems.push(`${variable} is set but names no node; write it as a=http://10.0.0.11:8088,b=http://10.0.0.12:8088, or unset it for one Asterisk`);
  return out;
}

/** The nodes of ASTERISK_NODES and ASTERISK_AMI_NODES, or null when ASTERISK_NODES is not set (one Asterisk); throws NodeSettingsError with every problem. */
export function nodesFromEnv(env: NodeJS.ProcessEnv): NodeSetting[] | null {
  const ariText = env.ASTERISK_NODES?.trim();
  const amiText = env.ASTERISK_AMI_NODES?.trim();
  if (!ariText) {
    if (amiText) throw new NodeSettingsError(['ASTERISK_AMI_NODES is set but ASTERISK_NODES is not: give every node\'s ARI in ASTERISK_NODES (a=http://10.0.0.11:8088,...), or unset ASTERISK_AMI_NODES for one Asterisk']);
    return null;
  }
  const problems: string[] = [];
  const nodes: { name: string; ariUrl: string }[] = [];
  for (const { name, value } of items('ASTERISK_NODES', ariText, problems)) {
    try {
      const at = parseAriUrl(value, `ASTERISK_NODES node ${name}:`);
      if (at.user || at.password) problems.push(`ASTERISK_NODES node ${name}: no user or password in the URL; every node uses ASTERISK_ARI_USER and ASTERISK_ARI_PASSWORD`);
      if (nodes.some((n) => n.ariUrl === at.url)) problems.push(`ASTERISK_NODES: nodes ${nodes.find((n) => n.ariUrl === at.url)!.name} and ${name} share ${at.url}`);
      nodes.push({ name, ariUrl: at.url });
    } catch (e) {
      if (!(e instanceof AriUrlError)) throw e;
      problems.push(e.message);
    }
  }
  const ami = new Map<string, { host: string; port: number }>();
  for (const { name, value } of amiText ? items('ASTERISK_AMI_NODES', amiText, problems) : []) {
    const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(value);
    const port = m?.[2] ? Number(m[2]) : 5038;
    if (!m || port < 1 || port > 65535) problems.push(`ASTERISK_AMI_NODES node ${name}: "${value}" is not <host>[:<port>] (e.g. 10.0.0.11:5038)`);
    else if (!nodes.some((n) => n.name === name) && !problems.some((p) => p.includes(`node ${name}:`))) problems.push(`ASTERISK_AMI_NODES names node ${name}, which ASTERISK_NODES does not (${nodes.map((n) => n.name).join(', ')})`);
    else ami.set(name, { host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (problems.length > 0) throw new NodeSettingsError(problems);
  return nodes.map((n) => ({ ...n, ami: ami.get(n.name) ?? null }));
}
