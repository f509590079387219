/**
 * Asterisk configuration generated from the routing config, so clinic IT keeps one list of desk
 * phones and numbers: `pjsip-phones.conf` (endpoint + auth + aor per agent phone `PJSIP/<name>`,
 * passwords from the secrets file) and `extensions-dids.conf` (each site DID into
 * Stasis(pbx-router,<DID>) with the failsafe, and a hint per desk phone for presence); plus
 * dialplan/ari.conf and manager.conf with their `${ARI_PASSWORD}` / `${AMI_PASSWORD}` filled in
 * from the same secrets file (Asterisk does not read the environment in these files), and
 * `voicemail.conf` with the failsafe mailbox (FAILSAFE_MAILBOX = 100@default in extensions.conf),
 * so a call that reaches the failsafe while the engine is down can always leave a message.
 * Pure: a plan, the templates and the secrets in, file texts out.
 */
import type { Plan } from '../routing/types.js';
import { sipPasswordKey } from '../config/secrets.js';
import { carrierNetworks, kamailioFiles, nodeFiles, nodeManager, phoneViaKamailio, type Cluster, type ClusterNode } from './cluster-node.js';

export interface GeneratedFile {
  readonly name:
    | 'pjsip-phones.conf'
    | 'pjsip-carrier.conf'
    | 'extensions-dids.conf'
    | 'ari.conf'
    | 'manager.conf'
    | 'voicemail.conf'
    | `node/${'asterisk' | 'pjsip' | 'http' | 'rtp'}.conf`
    | `kamailio/${'kamailio-local.cfg' | 'dispatcher.list'}`;
  readonly text: string;
  /** Holds passwords: written 0600. */
  readonly secret: boolean;
}

export interface DeskPhone {
  readonly name: string;
  readonly agent: string;
  readonly agentName: string;
  readonly site: string;
  readonly passwordKey: string;
}

export type AsteriskConfigResult =
  | { readonly ok: true; readonly files: readonly GeneratedFile[]; readonly phones: readonly DeskPhone[]; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The shortest SIP password accepted: desk phone credentials are the usual way into a PBX for toll fraud. */
export const MIN_SIP_PASSWORD = 12;

/** Agents whose endpoint is a PJSIP desk phone (`PJSIP/<name>`); other endpoints are listed as skipped. */
export function deskPhones(plan: Plan): { phones: DeskPhone[]; skipped: string[] } {
  const phones: DeskPhone[] = [];
  const skipped: string[] = [];
  for (const a of plan.agents.values()) {
    const m = /^PJSIP\/([A-Za-z0-9_.+-]+)$/.exec(a.endpoint);
    if (!m) {
      skipped.push(`${a.id} (${a.endpoint}): not a PJSIP desk phone of this server, left out`);
      continue;
    }
    phones.push({ name: m[1]!, agent: a.id, agentName: a.name, site: a.site, passwordKey: sipPasswordKey(m[1]!) });
  }
  return { phones, skipped };
}

/** dialplan/ari.conf and manager.conf, whose password lines the generator fills in. */
export interface CredentialTemplates {
  readonly ari: string;
  readonly manager: string;
  /** dialplan/pjsip.conf and http.conf, whose bind lines a cluster node's copies change. */
  readonly pjsip?: string;
  readonly http?: string;
}

/** A cluster node to generate for (`asterisk-config --node`), or none for the single box. */
export interface NodeTarget {
  readonly cluster: Cluster;
  readonly node: ClusterNode;
}

const CREDENTIALS = [
  { file: 'ari.conf', template: 'ari', placeholder: '${ARI_PASSWORD}', key: 'ASTERISK_ARI_PASSWORD', what: 'the ARI user router' },
  { file: 'manager.conf', template: 'manager', placeholder: '${AMI_PASSWORD}', key: 'ASTERISK_AMI_PASSWORD', what: 'the AMI user router' },
] as const;

function passwordProblem(pw: string | undefined, key: string, what: string): string | null {
  if (!pw) return `${what} has no password: add ${key}=<at least ${MIN_SIP_PASSWORD} random characters> to the secrets file`;
  if (pw.length < MIN_SIP_PASSWORD) return `the password ${key} of ${what} is shorter than ${MIN_SIP_PASSWORD} characters; use a longer random one`;
  if (/[\s"\\]/.test(pw)) return `the password ${key} of ${what} contains a space, quote or backslash; use letters, digits and punctuation only`;
  return null;
}

/** Every file, or every problem (missing or weak passwords, two phones on one secrets key); never a default password. */
export function asteriskConfig(plan: Plan, secrets: NodeJS.ProcessEnv, source: string, templates: CredentialTemplates, target?: NodeTarget): AsteriskConfigResult {
  const { phones, skipped } = deskPhones(plan);
  const problems: string[] = [];
  if (target && carrierNetworks(plan).length === 0) problems.push(`Kamailio lets in calls only from the carrier's IP addresses: list them in outbound.carrier.match of ${source} (e.g. match: [203.0.113.10, 198.51.100.0/24])`);
  if (target && (!templates.pjsip || !templates.http)) problems.push('a cluster node needs the pjsip.conf and http.conf templates (--templates <the dialplan folder of pbx-router>)');
  const keys = new Map<string, string>();
  for (const p of phones) {
    if (target) continue; // phones register at Kamailio: no passwords on the nodes
    const other = keys.get(p.passwordKey);
    if (other) problems.push(`phones ${other} and ${p.name} would share the secrets key ${p.passwordKey}; rename one of the endpoints`);
    keys.set(p.passwordKey, p.name);
    const problem = passwordProblem(secrets[p.passwordKey], p.passwordKey, `desk phone PJSIP/${p.name} (agent ${p.agent})`);
    if (problem) problems.push(problem);
  }
  for (const c of CREDENTIALS) {
    const problem = passwordProblem(secrets[c.key], c.key, c.what);
    if (problem) problems.push(problem);
    if (!templates[c.template].split('\n').some((l) => !l.trimStart().startsWith(';') && l.includes(c.placeholder))) problems.push(`the template ${c.file} has no ${c.placeholder} line to fill in`);
  }
  const pin = secrets[FAILSAFE_PIN_KEY];
  if (!pin || !/^\d{6,}$/.test(pin)) problems.push(`the failsafe voicemail box 100@default needs a PIN of at least 6 digits: add ${FAILSAFE_PIN_KEY}=<digits> to the secrets file`);
  if (problems.length > 0) return { ok: false, problems };
  const header = `; Generated by \`pbx-router asterisk-config${target ? ` --node ${target.node.name}` : ''}\` from ${source} (config version ${plan.version}).\n; Do not edit: change the routing config or the secrets file and run the command again.\n`;
  const phoneText = (p: DeskPhone) => (target ? phoneViaKamailio(target.cluster, { name: p.name, agent: p.agent, site: p.site, label: label(p.agentName) }) : pjsipPhone(p, secrets[p.passwordKey]!));
  let credentials: GeneratedFile[];
  let cluster: GeneratedFile[];
  try {
    credentials = CREDENTIALS.map((c) => {
      const text = fill(templates[c.template], c.placeholder, secrets[c.key]!);
      return { name: c.file, secret: true, text: header + (target && c.file === 'manager.conf' ? nodeManager(text, target.cluster, target.node) : text) };
    });
    cluster = target ? clusterFiles(plan, target, templates, header) : [];
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  return {
    ok: true,
    phones,
    skipped,
    files: [
      { name: 'pjsip-phones.conf', secret: !target, text: header + phones.map(phoneText).join('\n') },
      { name: 'pjsip-carrier.conf', secret: false, text: header + carrierTrunk(plan) },
      { name: 'extensions-dids.conf', secret: false, text: header + didRouting(plan) + '\n' + hints(phones) },
      ...credentials,
      { name: 'voicemail.conf', secret: true, text: header + failsafeVoicemail(pin!) },
      ...cluster,
    ],
  };
}

// The node's own pjsip.conf, http.conf, rtp.conf, asterisk.conf options, and the cluster's Kamailio settings.
function clusterFiles(plan: Plan, target: NodeTarget, templates: CredentialTemplates, header: string): GeneratedFile[] {
  return [
    ...nodeFiles(target.cluster, target.node, { pjsip: templates.pjsip!, http: templates.http! }, header).map((f) => ({ name: `node/${f.name}` as GeneratedFile['name'], secret: false, text: f.text })),
    ...kamailioFiles(plan, target.cluster, didExtensions, header).map((f) => ({ name: `kamailio/${f.name}` as GeneratedFile['name'], secret: false, text: f.text })),
  ];
}

/** The secrets key of the failsafe mailbox's PIN (listening to its messages from a desk phone, *97). */
export const FAILSAFE_PIN_KEY = 'FAILSAFE_VOICEMAIL_PIN';

// Only the failsafe box: every other voicemail is the engine's own (recorded through ARI, emailed by it).
// No email from Asterisk (its container has no mail server): front desk listens with *97.
function failsafeVoicemail(pin: string): string {
  return `[general]
format = wav
attach = no
maxmsg = 200
maxsecs = 180
minsecs = 1
; Messages are patient data: kept until listened to and deleted, never emailed from here.

[default]
100 => ${pin},Failsafe (pbx-router was not available)
`;
}

// ';' starts a comment in Asterisk config files; a literal one is written '\;'.
const confValue = (v: string) => v.replace(/;/g, '\\;');
// Only setting lines are filled in: a comment that mentions the placeholder keeps it.
const fill = (template: string, placeholder: string, value: string) =>
  template
    .split('\n')
    .map((l) => (l.trimStart().startsWith(';') ? l : l.split(placeholder).join(confValue(value))))
    .join('\n');
const label = (v: string) => v.replace(/["<>;\r\n]/g, '').trim();

function pjsipPhone(p: DeskPhone, password: string): string {
  return `; ${label(p.agentName)} (agent ${p.agent}, site ${p.site})
[${p.name}]
type = endpoint
context = phones
disallow = all
allow = ulaw,alaw
auth = ${p.name}
aors = ${p.name}
callerid = "${label(p.agentName)}" <${p.name}>
dtmf_mode = rfc4733
direct_media = no

[${p.name}]
type = auth
auth_type = userpass
username = ${p.name}
password = ${confValue(password)}

[${p.name}]
type = aor
max_contacts = 1
remove_existing = yes
; OPTIONS every 30 s: a phone that stops answering becomes Unreachable and its agent offline.
qualify_frequency = 30
`;
}

// The endpoint `carrier` that the trunk dial string (PJSIP/{number}@carrier) names: inbound calls
// from its addresses enter [from-carrier]; forwards go to its host. Without `outbound.carrier` in
// the routing config the file only says so, and generated/carrier.conf (by hand) describes it.
function carrierTrunk(plan: Plan): string {
  const c = plan.outbound?.carrier;
  if (!c) return '; No outbound.carrier in the routing config: describe the trunk in generated/carrier.conf.\n';
  return `[carrier]
type = endpoint
context = from-carrier
disallow = all
allow = ulaw,alaw
aors = carrier
dtmf_mode = rfc4733
; Media always through Asterisk: the engine plays to, records and bridges these calls itself.
direct_media = no
${c.outboundAuth ? `; The carrier's credentials: the auth section ${c.outboundAuth} in generated/carrier.conf (with its registration).\noutbound_auth = ${c.outboundAuth}\n` : ''}
[carrier]
type = aor
contact = sip:${c.host}:${c.port}
; OPTIONS every 60 s: a carrier that stops answering shows Unavail in \`pjsip show contacts\`.
qualify_frequency = 60

[carrier]
type = identify
endpoint = carrier
${c.match.map((m) => `match = ${m}`).join('\n')}
`;
}

/** The extensions a carrier may send for one DID: without the +, and the 10-digit national form in NANP. */
export function didExtensions(did: string): string[] {
  const digits = did.replace(/^\+/, '');
  return digits.startsWith('1') && digits.length === 11 ? [digits, digits.slice(1)] : [digits];
}

// Merged into extensions.conf's [from-carrier]: an exact number there wins over its _X. pattern.
function didRouting(plan: Plan): string {
  const lines = ['[from-carrier]'];
  for (const site of plan.sites.values()) {
    for (const did of site.dids) {
      const [main, ...others] = didExtensions(did);
      lines.push(`; ${label(site.name)} (site ${site.id})`);
      lines.push(`exten => ${main},1,NoOp(Clinic number ${did}, site ${site.id})`);
      lines.push(` same => n,Stasis(\${ROUTER_APP},${did})`);
      lines.push(' same => n,Gosub(router-failsafe,s,1)');
      lines.push(' same => n,Hangup()');
      for (const o of others) lines.push(`exten => ${o},1,Goto(${main},1)`);
    }
  }
  return lines.join('\n') + '\n';
}

// Merged into [phones]: a hint per desk phone (BLF/presence), with the same direct dial as _10XX.
function hints(phones: readonly DeskPhone[]): string {
  const lines = ['[phones]'];
  for (const p of phones) {
    lines.push(`exten => ${p.name},hint,PJSIP/${p.name}`);
    lines.push(`exten => ${p.name},1,Dial(PJSIP/${p.name},20)`);
    lines.push(' same => n,Hangup()');
  }
  return lines.join('\n') + '\n';
}
