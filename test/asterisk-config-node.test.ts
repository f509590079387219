import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeVariants, variant } from './scenarios/after-hours.js';
import { nodeEntityId, parseCluster } from '../src/asterisk/cluster-node.js';
import { main, type Io } from '../src/cli/main.js';
import { sections, type Section } from './support/asterisk-conf.js';

const get = (s: Section | undefined, key: string) => s?.lines.find(([k]) => k === key)?.[1];
const all = (s: Section | undefined, key: string) => s?.lines.filter(([k]) => k === key).map(([, v]) => v) ?? [];
const typed = (text: string, name: string, type: string) => sections(text).find((s) => s.name === name && get(s, 'type') === type);

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  return { code: await main(['node', 'pbx-router', ...args], io), out, err };
}

// No SIP_PASSWORD_*: on a node the phones register at Kamailio, so none is needed.
function secrets(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pbx-node-')), 'secrets.env');
  writeFileSync(path, 'ASTERISK_ARI_PASSWORD=ari-password-0123456789\nASTERISK_AMI_PASSWORD=ami-password-0123456789\nFAILSAFE_VOICEMAIL_PIN=482913\n');
  chmodSync(path, 0o600);
  return path;
}

const CLUSTER = ['--nodes', 'a=10.0.0.11,b=10.0.0.12:5062', '--kamailio', '10.0.0.10', '--phone-networks', '10.0.20.0/24', '--engines', '10.0.0.20,10.0.0.21'];
const config = () => variant({ 'outbound.carrier': { host: '203.0.113.5', port: 5060, match: ['203.0.113.5', '198.51.100.0/24'] } });

async function generate(node: string, extra = CLUSTER): Promise<{ out: string; read: (f: string) => string }> {
  const out = mkdtempSync(join(tmpdir(), `pbx-node-${node}-`));
  const r = await cli('asterisk-config', '-c', config(), '--out', out, '--secrets', secrets(), '--node', node, ...extra);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return { out, read: (f) => readFileSync(join(out, f), 'utf8') };
}

afterAll(() => removeVariants());

describe('pbx-router asterisk-config --node', () => {
  it('gives each node its own entity id, SIP, ARI and AMI address, and RTP range', async () => {
    const a = await generate('a');
    const b = await generate('b');
    const eid = (n: typeof a) => get(sections(n.read('node/asterisk.conf')).find((s) => s.name === 'options'), 'entityid');
    expect(eid(a)).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(eid(b)).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(eid(a)).not.toBe(eid(b));
    // The node's name prefixes its channel ids: channels of two nodes never share an id.
    const systemName = (n: typeof a) => get(sections(n.read('node/asterisk.conf')).find((s) => s.name === 'options'), 'systemname');
    expect([systemName(a), systemName(b)]).toEqual(['a', 'b']);
    expect(get(typed(a.read('node/pjsip.conf'), 'transport-udp', 'transport'), 'bind')).toBe('10.0.0.11:5060');
    expect(get(typed(b.read('node/pjsip.conf'), 'transport-udp', 'transport'), 'bind')).toBe('10.0.0.12:5062');
    expect(get(sections(a.read('node/http.conf')).find((s) => s.name === 'general'), 'bindaddr')).toBe('10.0.0.11');
    expect(get(sections(b.read('node/http.conf')).find((s) => s.name === 'general'), 'bindaddr')).toBe('10.0.0.12');
    const range = (n: typeof a) => {
      const g = sections(n.read('node/rtp.conf')).find((s) => s.name === 'general');
      return [Number(get(g, 'rtpstart')), Number(get(g, 'rtpend'))] as const;
    };
    const [as, ae] = range(a);
    const [bs, be] = range(b);
    expect(as).toBeLessThan(ae);
    expect(bs).toBeLessThan(be);
    expect(ae < bs || be < as).toBe(true);
    const ami = sections(a.read('manager.conf'));
    expect(get(ami.find((s) => s.name === 'general'), 'bindaddr')).toBe('10.0.0.11');
    expect(all(ami.find((s) => s.name === 'router'), 'permit').sort()).toEqual(['10.0.0.11/255.255.255.255', '10.0.0.20/255.255.255.255', '10.0.0.21/255.255.255.255']);
    expect(get(ami.find((s) => s.name === 'router'), 'secret')).toBe('ami-password-0123456789');
  });

  it('trusts Kamailio for the carrier calls and reaches the desk phones through it, with no phone password on the node', async () => {
    const a = await generate('a');
    const pjsip = a.read('node/pjsip.conf');
    expect(get(typed(pjsip, 'kamailio', 'endpoint'), 'context')).toBe('from-carrier');
    expect(get(typed(pjsip, 'kamailio', 'identify'), 'match')).toBe('10.0.0.10');
    expect(pjsip).toContain('#tryinclude generated/pjsip-phones.conf');
    const phones = a.read('pjsip-phones.conf');
    for (const ext of ['1001', '1002', '1003', '1004', '1005', '1006', '1007']) {
      expect(get(typed(phones, ext, 'aor'), 'contact')).toBe(`sip:${ext}@10.0.0.10:5060`);
      expect(get(typed(phones, ext, 'endpoint'), 'auth')).toBeUndefined();
      expect(typed(phones, ext, 'auth')).toBeUndefined();
    }
    expect(phones).not.toMatch(/password/);
    // The same Stasis entry and failsafe as the single box: every DID into Stasis, then the failsafe.
    const dids = a.read('extensions-dids.conf');
    expect(dids).toContain('Stasis(${ROUTER_APP},+15125550100)');
    expect(dids).toContain('Gosub(router-failsafe,s,1)');
  });

  it('writes the Kamailio settings: every node in dispatcher set 1, the carrier networks, only the clinic numbers', async () => {
    const a = await generate('a');
    const b = await generate('b');
    const body = (n: typeof a, f: string) => n.read(f).replace(/^# Generated.*\n/m, '');
    expect(body(a, 'kamailio/dispatcher.list')).toBe(body(b, 'kamailio/dispatcher.list'));
    expect(body(a, 'kamailio/kamailio-local.cfg')).toBe(body(b, 'kamailio/kamailio-local.cfg'));
    const list = a.read('kamailio/dispatcher.list').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(list).toEqual(['1 sip:10.0.0.11:5060 0 0 name=a', '1 sip:10.0.0.12:5062 0 0 name=b']);
    const local = a.read('kamailio/kamailio-local.cfg');
    expect(local).toContain('#!substdef "!KAMAILIO_LISTEN!udp:10.0.0.10:5060!g"');
    expect(local).toContain('#!define CARRIER_NETWORKS "203.0.113.5,198.51.100.0/24"');
    expect(local).toContain('#!define PHONE_NETWORKS "10.0.20.0/24"');
    const dids = new RegExp(/#!define CLINIC_DIDS "([^"]+)"/.exec(local)![1]!);
    for (const n of ['+15125550100', '15125550100', '5125550100']) expect(n).toMatch(dids);
    for (const n of ['15125550101', '4415125550100', '900', '1001', '']) expect(n).not.toMatch(dids);
  });

  it.each([
    ['a node that is not in the list', ['--node', 'c'], /--node c is not in the node list \(a, b\)/],
    ['a node without an address', ['--node', 'a', '--nodes', 'a,b=10.0.0.12'], /node "a": expected <name>=<IPv4 address>/],
    ['two nodes on one address and port', ['--node', 'a', '--nodes', 'a=10.0.0.11,b=10.0.0.11:5060'], /nodes a and b share 10\.0\.0\.11:5060/],
    ['no Kamailio', ['--node', 'a', '--kamailio', ''], /Kamailio's address/],
    ['no phone network', ['--node', 'a', '--phone-networks', ''], /desk phones' networks/],
    ['a phone network that is not a CIDR', ['--node', 'a', '--phone-networks', 'phones.lan'], /phone network "phones\.lan"/],
  ])('refuses %s and writes nothing', async (_what, args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-node-bad-')), 'out');
    const base = [...CLUSTER];
    for (let i = 0; i < args.length; i += 2) {
      const at = base.indexOf(args[i]!);
      if (at >= 0) base.splice(at, 2);
    }
    const r = await cli('asterisk-config', '-c', config(), '--out', out, '--secrets', secrets(), ...base, ...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('refuses a carrier known only by host name: Kamailio lets calls in by address', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-node-bad-')), 'out');
    const r = await cli('asterisk-config', '-c', 'config/example-clinic.yaml', '--out', out, '--secrets', secrets(), '--node', 'a', ...CLUSTER);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/carrier's IP addresses: list them in outbound\.carrier\.match/);
    expect(existsSync(out)).toBe(false);
  });

  it('reads the cluster from the environment too, and derives a stable entity id per name', () => {
    const r = parseCluster({ nodes: 'x=192.168.1.5', kamailio: '192.168.1.1:5070', phoneNetworks: '192.168.2.0/24' });
    expect(r.ok && r.cluster).toEqual({ nodes: [{ name: 'x', address: '192.168.1.5', sipPort: 5060 }], kamailio: { address: '192.168.1.1', port: 5070 }, phoneNetworks: ['192.168.2.0/24'], engines: [] });
    expect(nodeEntityId('x')).toBe(nodeEntityId('x'));
    expect(nodeEntityId('x')).not.toBe(nodeEntityId('y'));
    // Locally administered, unicast: the second-lowest bit of the first byte set, the lowest clear.
    expect(Number.parseInt(nodeEntityId('x').slice(0, 2), 16) & 0x03).toBe(0x02);
  });
});
