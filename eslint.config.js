import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Module boundaries (STYLE.md): only src/asterisk talks to Asterisk's client libraries; the
// routing core is pure; the call engine reaches Asterisk through its own Telephony port only.
const ASTERISK_CLIENTS = [
  { name: 'ari-client', message: 'Only src/asterisk/ imports ari-client: use the Telephony port (src/calls/telephony.ts).' },
  { name: 'asterisk-manager', message: 'Only src/asterisk/ imports asterisk-manager: use the port the using module defines.' },
];
// PostgreSQL (issue 19): only the cluster lease and the store's PostgreSQL adapter (src/store/pg-*.ts) talk to it.
const PG_CLIENT = [{ name: 'pg', message: 'Only src/cluster/ and src/store/pg-*.ts import pg (the lease, its fence, the PostgreSQL store); the rest of the engine gets a Lease, LeaseKeeper or Db from src/main.ts.' }];
const NODE_IO = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'readline', 'worker_threads', 'cluster'];
const ROUTING_IMPORTS = [
  ...ASTERISK_CLIENTS,
  ...NODE_IO.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'src/routing/ is pure: no I/O. Take what it needs as data (a Snapshot, the Plan).' })),
  ...PG_CLIENT,
  ...['better-sqlite3', 'nodemailer'].map((name) => ({ name, message: 'src/routing/ is pure: no store or mail. Take what it needs as data.' })),
];
const ROUTING_PATTERNS = [{ regex: '^(\\.\\./)+(store|calls|asterisk|notify|http|cli)(/|$)', message: 'src/routing/ is the pure core: it may not import the store, the call engine, Asterisk, notify, HTTP or the CLI (they import it).' }];
const CALLS_PATTERNS = [
  { regex: '^(\\.\\./)+asterisk(/|$)', message: 'src/calls/ reaches Asterisk through its Telephony port only; src/main.ts wires the adapter in.' },
  { regex: '^(\\.\\./)+transcribe/(?!transcriber\\.js$)', message: 'src/calls/ reaches transcription through its deps only (the port is src/transcribe/transcriber.ts); src/main.ts wires the engine in.' },
];

const CLUSTER_PATTERNS = [{ regex: '^(\\.\\./)+(calls|routing|asterisk|notify|http|cli|store)(/|$)', message: 'src/cluster/ (the lease) stands alone: the engine imports it, not the other way round.' }];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use string unions, not enums.' }, { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  { files: ['eslint.config.js', 'vitest.config.ts', 'vitest.asterisk.config.ts', 'vitest.cluster.config.ts', '**/*.d.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // Later blocks replace the rule's options for their files (flat config does not merge them).
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [...ASTERISK_CLIENTS, ...PG_CLIENT] }] } },
  { files: ['src/routing/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: ROUTING_IMPORTS, patterns: ROUTING_PATTERNS }] } },
  { files: ['src/calls/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [...ASTERISK_CLIENTS, ...PG_CLIENT], patterns: CALLS_PATTERNS }] } },
  // The lease is a foundation the engine will build on: it may use pg, and nothing of the engine.
  { files: ['src/cluster/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: ASTERISK_CLIENTS, patterns: CLUSTER_PATTERNS }] } },
  { files: ['src/asterisk/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  // The PostgreSQL store adapter: pg, through its synchronous bridge.
  { files: ['src/store/pg-*.ts'], rules: { 'no-restricted-imports': ['error', { paths: ASTERISK_CLIENTS }] } },
);
