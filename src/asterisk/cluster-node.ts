/**
 * One Asterisk node of a cluster behind Kamailio (`asterisk-config --node <name>`): the files that
 * differ from the single box. Each node binds SIP, ARI and AMI to its own address, has its own RTP
 * range (nodes on one host must not share one) and its own `entityid` (nodes on one host would
 * otherwise share the one Asterisk derives from the first network card) and `systemname` (the
 * prefix of its channel ids). Kamailio is trusted for
 * the carrier's calls (identified by its address, into [from-carrier]) and is the way to the desk
 * phones, which register there: each phone endpoint's contact is `sip:<ext>@<kamailio>`, so
 * `PJSIP/<ext>` dials, hints and the failsafe ring group work unchanged. Also the cluster's
 * Kamailio settings (`kamailio-local.cfg`, `dispatcher.list`) read by deploy/cluster/kamailio.cfg.
 * Pure: texts in, texts out.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Plan } from '../routing/types.js';

export interface ClusterNode {
  readonly name: string;
  readonly address: string;
  readonly sipPort: number;
}

export interface Cluster {
  readonly nodes: readonly ClusterNode[];
  readonly kamailio: { readonly address: string; readonly port: number };
  /** Networks (CIDR) the desk phones register from: Kamailio accepts REGISTER only from there. */
  readonly phoneNetworks: readonly string[];
  /** Addresses of the engine hosts allowed to AMI on a node (the node itself always is). */
  readonly engines: readonly string[];
}

export type ClusterResult = { readonly ok: true; readonly cluster: Cluster } | { readonly ok: false; readonly problems: readonly string[] };

/** ARI and AMI ports on every node (on the node's own address, so nodes on one host do not clash). */
export const NODE_ARI_PORT = 8088;
export const NODE_AMI_PORT = 5038;
/** RTP ports per node: node i of the list gets 10000 + 1000·i to 10999 + 1000·i (500 calls with RTCP). */
export const RTP_PORTS_PER_NODE = 1000;

const NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

function hostPort(spec: string, defaultPort: number): { address: string; port: number } | null {
  const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m || isIP(m[1]!) !== 4) return null;
  const port = m[2] ? Number(m[2]) : defaultPort;
  return port > 0 && port < 65536 ? { address: m[1]!, port } : null;
}

const isNetwork = (n: string) => {
  const [ip, bits, ...rest] = n.split('/');
  return rest.length === 0 && isIP(ip ?? '') === 4 && (bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32));
};

/**
 * Reads the cluster from `--nodes a=10.0.0.11,b=10.0.0.12:5062`, `--kamailio 10.0.0.10[:5060]`,
 * `--phone-networks 10.0.20.0/24` and `--engines 10.0.0.20,10.0.0.21`; every problem is collected.
 */
export function parseCluster(o: { nodes?: string; kamailio?: string; phoneNetworks?: string; engines?: string }): ClusterResult {
  const problems: string[] = [];
  const nodes: ClusterNode[] = [];
  const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (list(o.nodes).length === 0) problems.push('no nodes: give --nodes <name>=<address>[:<sip port>],... (or PBX_ROUTER_NODES), e.g. a=10.0.0.11,b=10.0.0.12');
  for (const item of list(o.nodes)) {
    const [name, spec] = item.split('=');
    const hp = spec === undefined ? null : hostPort(spec, 5060);
    if (!name || !NAME.test(name) || !hp) {
      problems.push(`node "${item}": expected <name>=<IPv4 address>[:<sip port>] with a name of lower-case letters, digits and -`);
      continue;
    }
    if (nodes.some((n) => n.name === name)) problems.push(`node ${name} is listed twice`);
    if (nodes.some((n) => n.address === hp.address && n.sipPort === hp.port)) problems.push(`nodes ${nodes.find((n) => n.address === hp.address)!.name} and ${name} share ${hp.address}:${hp.port}`);
    nodes.push({ name, address: hp.address, sipPort: hp.port });
  }
  const kamailio = o.kamailio ? hostPort(o.kamailio, 5060) : null;
  if (!kamailio) problems.push(`Kamailio's address: give --kamailio <IPv4 address>[:<port>] (or PBX_ROUTER_KAMAILIO)${o.kamailio ? `, not "${o.kamailio}"` : ''}`);
  if (kamailio && nodes.some((n) => n.address === kamailio.address && n.sipPort === kamailio.port)) problems.push(`Kamailio and a node cannot both listen on ${kamailio.address}:${kamailio.port}`);
  const phoneNetworks = list(o.phoneNetworks);
  if (phoneNetworks.length === 0) problems.push('the desk phones\' networks: give --phone-networks <CIDR>,... (or PBX_ROUTER_PHONE_NETWORKS); Kamailio accepts REGISTER only from there');
  for (const n of phoneNetworks) if (!isNetwork(n)) problems.push(`phone network "${n}" is not an IPv4 address or CIDR (10.0.20.0/24)`);
  const engines = list(o.engines);
  for (const e of engines) if (isIP(e) !== 4) problems.push(`engine address "${e}" is not an IPv4 address`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, cluster: { nodes, kamailio: kamailio!, phoneNetworks, engines } };
}

/** A locally administered MAC-style entity id derived from the node's name (Asterisk wants xx:xx:xx:xx:xx:xx). */
export function nodeEntityId(name: string): string {
  const h = createHash('sha256').update(`pbx-router node ${name}`).digest();
  const bytes = [(h[0]! & 0xfc) | 0x02, ...h.subarray(1, 6)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The node's RTP port range. */
export function nodeRtpRange(cluster: Cluster, node: ClusterNode): { start: number; end: number } {
  const i = cluster.nodes.indexOf(node);
  return { start: 10000 + RTP_PORTS_PER_NODE * i, end: 10000 + RTP_PORTS_PER_NODE * (i + 1) - 1 };
}

/** Sets every uncommented `key = ...` line of an Asterisk config template to `value`; throws when there is none. */
export function setLine(template: string, key: string, value: string, file: string): string {
  let found = false;
  const out = template
    .split('\n')
    .map((l) => {
      if (l.trimStart().startsWith(';') || !new RegExp(`^\\s*${key}\\s*=`).test(l)) return l;
      found = true;
      return `${key} = ${value}`;
    })
    .join('\n');
  if (!found) throw new Error(`the template ${file} has no "${key} =" line to set`);
  return out;
}

/** The node files: asterisk.conf ([options] entityid and systemname), pjsip.conf, http.conf, rtp.conf (the rest is the single box's). */
export function nodeFiles(cluster: Cluster, node: ClusterNode, templates: { pjsip: string; http: string }, header: string): { name: string; text: string }[] {
  const rtp = nodeRtpRange(cluster, node);
  const k = cluster.kamailio;
  const kamailioSections = `
; Kamailio (${k.address}:${k.port}) in front of the cluster: the carrier's calls come through it,
; identified by its address, into [from-carrier]; nothing else is accepted from it.
[kamailio]
type = endpoint
context = from-carrier
disallow = all
allow = ulaw,alaw
aors = kamailio
dtmf_mode = rfc4733
direct_media = no

[kamailio]
type = aor
contact = sip:${k.address}:${k.port}

[kamailio]
type = identify
endpoint = kamailio
match = ${k.address}
`;
  // The node's own address: Kamailio's dispatcher sends calls here and probes it with OPTIONS.
  const pjsip = setLine(templates.pjsip, 'bind', `${node.address}:${node.sipPort}`, 'pjsip.conf');
  return [
    {
      name: 'asterisk.conf',
      text: `${header}; Node ${node.name}: merge [options] into asterisk.conf. Each node needs its own entity id:\n; Asterisk takes it from the first network card, the same for every node on one host.\n; systemname: Asterisk prefixes every channel's uniqueid (the ARI channel id) with "${node.name}-", so\n; the engine, which holds channels of every node, never sees one id on two nodes.\n[options]\nentityid = ${nodeEntityId(node.name)}\nsystemname = ${node.name}\n`,
    },
    { name: 'pjsip.conf', text: `${header}${pjsip}${kamailioSections}` },
    {
      name: 'http.conf',
      text: `${header}; Node ${node.name}: ARI on the node's own address (not loopback), for the engine hosts; keep that\n; address on an internal network, and the ARI password strong.\n${setLine(setLine(templates.http, 'bindaddr', node.address, 'http.conf'), 'bindport', String(NODE_ARI_PORT), 'http.conf')}`,
    },
    { name: 'rtp.conf', text: `${header}; Node ${node.name}'s own RTP ports (node ${cluster.nodes.indexOf(node) + 1} of ${cluster.nodes.length}): nodes on one host must not share a range.\n[general]\nrtpstart = ${rtp.start}\nrtpend = ${rtp.end}\n` },
  ];
}

/** manager.conf of a node: AMI on the node's address, open to the node itself and the engine hosts only. */
export function nodeManager(manager: string, cluster: Cluster, node: ClusterNode): string {
  const bound = setLine(setLine(manager, 'bindaddr', node.address, 'manager.conf'), 'port', String(NODE_AMI_PORT), 'manager.conf');
  const permits = [...new Set([node.address, ...cluster.engines])].map((a) => `permit = ${a}/255.255.255.255`).join('\n');
  return setLine(bound, 'permit', '__PERMITS__', 'manager.conf').replace('permit = __PERMITS__', permits);
}

/** A desk phone endpoint on a node: no registration here; its contact is the phone's extension at Kamailio. */
export function phoneViaKamailio(cluster: Cluster, p: { name: string; agent: string; site: string; label: string }): string {
  const k = cluster.kamailio;
  return `; ${p.label} (agent ${p.agent}, site ${p.site}): registers at Kamailio, reached through it
[${p.name}]
type = endpoint
context = phones
disallow = all
allow = ulaw,alaw
aors = ${p.name}
callerid = "${p.label}" <${p.name}>
dtmf_mode = rfc4733
direct_media = no

[${p.name}]
type = aor
contact = sip:${p.name}@${k.address}:${k.port}
; OPTIONS every 15 s through Kamailio, which relays them to the registered phone and ignores them
; for a phone that is not registered: the contact turns Unavail and the agent offline.
qualify_frequency = 15
`;
}

// Kamailio reads strings in its defines; the DIDs are digits only, so a character class replaces \+.
function didPattern(plan: Plan, extensions: (did: string) => string[]): string {
  const all = new Set<string>();
  for (const site of plan.sites.values()) for (const did of site.dids) for (const x of extensions(did)) all.add(x);
  return `^[+]?(${[...all].join('|')})$`;
}

/** The carrier's addresses for Kamailio (IPs and CIDRs of outbound.carrier.match). */
export function carrierNetworks(plan: Plan): string[] {
  return (plan.outbound?.carrier?.match ?? []).filter(isNetwork);
}

/** kamailio-local.cfg (listen address, trusted networks, DIDs) and dispatcher.list (set 1: the nodes). */
export function kamailioFiles(plan: Plan, cluster: Cluster, extensions: (did: string) => string[], header: string): { name: string; text: string }[] {
  const h = header.replace(/^;/gm, '#');
  const k = cluster.kamailio;
  return [
    {
      name: 'kamailio-local.cfg',
      text: `${h}# Read by deploy/cluster/kamailio.cfg (import_file): this cluster's addresses and numbers.
#!substdef "!KAMAILIO_LISTEN!udp:${k.address}:${k.port}!g"
# Only INVITEs from these addresses to these numbers go to the nodes (outbound.carrier.match).
#!define CARRIER_NETWORKS "${carrierNetworks(plan).join(',')}"
#!define CLINIC_DIDS "${didPattern(plan, extensions)}"
# Desk phones register only from here.
#!define PHONE_NETWORKS "${cluster.phoneNetworks.join(',')}"
`,
    },
    {
      name: 'dispatcher.list',
      text: `${h}# Set 1: the Asterisk nodes, probed with OPTIONS (setid destination flags priority attributes).\n${cluster.nodes.map((n) => `1 sip:${n.address}:${n.sipPort} 0 0 name=${n.name}`).join('\n')}\n`,
    },
  ];
}
