/**
 * Deployment commands: `asterisk-config` (the PJSIP desk phones and DID routing generated from
 * the routing config, passwords from the secrets file) and `backup` (an online copy of the database).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { asteriskConfig, type NodeTarget } from '../asterisk/asterisk-config.js';
import { parseCluster } from '../asterisk/cluster-node.js';
import { DEFAULT_SECRETS_FILE, secretsEnv } from '../config/secrets.js';
import { DEFAULT_DATABASE } from '../main.js';
import type { Plan } from '../routing/types.js';
import { backupDatabase, BackupError } from '../store/backup.js';
import { storeName } from '../store/open-store.js';
import { InputError } from './inputs.js';
import type { Io } from './io.js';

// dialplan/ of this package: src/cli and dist/cli are both two levels below the root.
const TEMPLATES = fileURLToPath(new URL('../../dialplan/', import.meta.url));

/** Writes `text` to `path` through a temporary file and a rename, so Asterisk never reads half a file. */
export function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Adds `asterisk-config` and `backup`; `planFor` loads a config or reports its problems (null). */
export function addDeployCommands(program: Command, io: Io, planFor: (config: string) => Plan | null, setCode: (c: number) => void): void {
  program
    .command('asterisk-config')
    .description('write pjsip-phones.conf (desk phones of the agents), pjsip-carrier.conf (the trunk, from outbound.carrier) and extensions-dids.conf (site DIDs -> Stasis, hints) from the routing config')
    .requiredOption('-c, --config <file>', 'routing config file or folder')
    .requiredOption('--out <dir>', 'output folder, e.g. dialplan/generated (included by dialplan/pjsip.conf and extensions.conf)')
    .option('--secrets <file>', `secrets file with SIP_PASSWORD_<phone>, ASTERISK_ARI_PASSWORD, ASTERISK_AMI_PASSWORD, FAILSAFE_VOICEMAIL_PIN (env PBX_ROUTER_SECRETS; default ${DEFAULT_SECRETS_FILE} if it exists)`)
    .option('--templates <dir>', 'where ari.conf and manager.conf with ${ARI_PASSWORD} / ${AMI_PASSWORD} are read', TEMPLATES)
    .option('--node <name>', 'write the files of this Asterisk node of a cluster behind Kamailio (also node/ and kamailio/ in --out)')
    .option('--nodes <list>', 'the cluster\'s nodes: <name>=<address>[:<sip port>],... (env PBX_ROUTER_NODES)')
    .option('--kamailio <address>', 'Kamailio\'s <address>[:<port>] (env PBX_ROUTER_KAMAILIO)')
    .option('--phone-networks <list>', 'CIDRs the desk phones register from (env PBX_ROUTER_PHONE_NETWORKS)')
    .option('--engines <list>', 'engine host addresses allowed to a node\'s AMI (env PBX_ROUTER_ENGINES)')
    .action((o: { config: string; out: string; secrets?: string; templates: string; node?: string; nodes?: string; kamailio?: string; phoneNetworks?: string; engines?: string }) => {
      const plan = planFor(o.config);
      if (!plan) return; // planFor reported the problems and set the exit code
      const template = (f: string) => {
        const path = join(o.templates, f);
        if (!existsSync(path)) throw new InputError(`no ${path}: give --templates <the dialplan folder of pbx-router>`);
        return readFileSync(path, 'utf8');
      };
      let target: NodeTarget | undefined;
      if (o.node !== undefined) {
        const env = process.env;
        const parsed = parseCluster({ nodes: o.nodes ?? env.PBX_ROUTER_NODES, kamailio: o.kamailio ?? env.PBX_ROUTER_KAMAILIO, phoneNetworks: o.phoneNetworks ?? env.PBX_ROUTER_PHONE_NETWORKS, engines: o.engines ?? env.PBX_ROUTER_ENGINES });
        const node = parsed.ok ? parsed.cluster.nodes.find((n) => n.name === o.node) : undefined;
        const problems = parsed.ok ? (node ? [] : [`--node ${o.node} is not in the node list (${parsed.cluster.nodes.map((n) => n.name).join(', ')})`]) : parsed.problems;
        if (problems.length > 0 || !parsed.ok || !node) {
          for (const p of problems) io.err(`error: ${p}`);
          io.err(`nothing written to ${o.out}`);
          return setCode(1);
        }
        target = { cluster: parsed.cluster, node };
      }
      const templates = target ? { ari: template('ari.conf'), manager: template('manager.conf'), pjsip: template('pjsip.conf'), http: template('http.conf') } : { ari: template('ari.conf'), manager: template('manager.conf') };
      const result = asteriskConfig(plan, secretsEnv(o.secrets), o.config, templates, target);
      if (!result.ok) {
        for (const p of result.problems) io.err(`error: ${p}`);
        io.err(`nothing written to ${o.out}`);
        return setCode(1);
      }
      try {
        mkdirSync(o.out, { recursive: true });
        if (target) for (const d of ['node', 'kamailio']) mkdirSync(join(o.out, d), { recursive: true });
        for (const f of result.files) writeAtomically(join(o.out, f.name), f.text, f.secret ? 0o600 : 0o644);
      } catch (e) {
        io.err(`error: cannot write to ${o.out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); run as a user that may write there (in Docker: chown 1000:1000 the folder)`);
        return setCode(1);
      }
      for (const s of result.skipped) io.out(`skipped agent ${s}`);
      const dids = [...plan.sites.values()].reduce((n, s) => n + s.dids.length, 0);
      const carrier = plan.outbound?.carrier;
      io.out(`wrote ${join(o.out, 'pjsip-phones.conf')} (${result.phones.length} desk phone(s)), pjsip-carrier.conf (${carrier ? `trunk to ${carrier.host}:${carrier.port}` : 'no outbound.carrier in the config: describe the trunk in carrier.conf'}), ari.conf, manager.conf and voicemail.conf (passwords and the failsafe PIN from the secrets file), all mode 0600, and extensions-dids.conf (${dids} DID(s), ${result.phones.length} hint(s))`);
      if (target) {
        const n = target.node;
        io.out(`node ${n.name}: ${join(o.out, 'node')}/ holds asterisk.conf (entityid), pjsip.conf (SIP on ${n.address}:${n.sipPort}), http.conf (ARI on ${n.address}:8088) and rtp.conf, which replace the single-box copies; desk phones are reached through Kamailio at ${target.cluster.kamailio.address}:${target.cluster.kamailio.port}`);
        io.out(`Kamailio: ${join(o.out, 'kamailio')}/kamailio-local.cfg and dispatcher.list go beside deploy/cluster/kamailio.cfg (the same for every node)`);
      }
      io.out('then in Asterisk: pjsip reload and dialplan reload (or `docker compose restart asterisk`)');
    });

  program
    .command('backup')
    .description('online backup of the database (safe while the engine runs): SQLite with its WAL, PostgreSQL with pg_dump --format=custom; into a new 0600 file')
    .argument('<file>', 'the backup file to create (never overwritten)')
    .option('--db <file>', 'SQLite file or postgres:// URL (env PBX_ROUTER_DB)', DEFAULT_DATABASE)
    .action(async (file: string, o: { db: string }) => {
      try {
        const r = await backupDatabase(o.db, file);
        if (r.entries !== undefined) io.out(`backup of ${storeName(o.db)} written to ${r.file} (pg_dump custom format, restore with pg_restore): ${r.entries} entries, schema version ${r.schemaVersion}`);
        else io.out(`backup of ${o.db} written to ${r.file}: ${r.pages} page(s), schema version ${r.schemaVersion}, integrity ${r.integrity}`);
      } catch (e) {
        if (!(e instanceof BackupError)) throw e;
        io.err(`error: ${e.message}`);
        setCode(1);
      }
    });
}
