/**
 * The secrets file: `KEY=value` lines with the same names as the environment variables
 * (ASTERISK_ARI_PASSWORD, ASTERISK_AMI_PASSWORD, SMTP_PASSWORD, PBX_ROUTER_ADMIN_TOKEN, ...) plus
 * one `SIP_PASSWORD_<phone>` per desk phone. Credentials never live in the routing YAML or the repo.
 * An environment variable that is set and not empty overrides the file. Error messages name the
 * file, the line and the key, never a value.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';

/** Read when neither --secrets nor PBX_ROUTER_SECRETS names a file, and only if it exists. */
export const DEFAULT_SECRETS_FILE = '/etc/pbx-router/secrets.env';

export type SecretsErrorCode = 'secrets-missing' | 'secrets-unreadable' | 'secrets-permissions' | 'secrets-syntax';

export class SecretsError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The secrets file to read: --secrets, else PBX_ROUTER_SECRETS, else the default path if it exists, else none. */
export function secretsFile(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, fallback = DEFAULT_SECRETS_FILE): string | null {
  const named = explicit ?? (env.PBX_ROUTER_SECRETS || undefined);
  if (named !== undefined) {
    if (!existsSync(named)) {
      const how = explicit !== undefined ? '--secrets' : 'PBX_ROUTER_SECRETS';
      throw new SecretsError('secrets-missing', `the secrets file ${named} (from ${how}) does not exist; create it with KEY=value lines and chmod 600 it, or point ${how} at the right file`);
    }
    return named;
  }
  return existsSync(fallback) ? fallback : null;
}

/** The desk phone's key in the secrets file: PJSIP/1001 -> SIP_PASSWORD_1001, front-desk -> SIP_PASSWORD_FRONT_DESK. */
export function sipPasswordKey(phone: string): string {
  return `SIP_PASSWORD_${phone.replace(/^PJSIP\//, '').toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Reads a secrets file; refuses one that group or others may read or change (chmod 600). */
export function readSecretsFile(path: string): ReadonlyMap<string, string> {
  let mode: number;
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    mode = st.mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SecretsError('secrets-unreadable', `cannot read the secrets file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretsError(
      'secrets-permissions',
      `the secrets file ${path} can be read or changed by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path} (and make it owned by the user that runs pbx-router)`,
    );
  }
  return parseSecrets(text, path);
}

/** Parses `KEY=value` lines; `#` starts a comment line; a value may be wrapped in '...' or "..." (no escapes, no ${} expansion). */
export function parseSecrets(text: string, path = 'secrets'): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const lines = new Map<string, number>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m) return void problems.push(`${path}:${i + 1}: expected KEY=value (a name of letters, digits and _, then =); the line is not shown because it may hold a secret`);
    const key = m[1]!;
    let value = m[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    if (lines.has(key)) return void problems.push(`${path}:${i + 1}: ${key} is set twice (first on line ${lines.get(key)}); keep one`);
    lines.set(key, i + 1);
    out.set(key, value);
  });
  if (problems.length > 0) throw new SecretsError('secrets-syntax', problems.join('\n'));
  return out;
}

/** The environment with the secrets file underneath: file values, overridden by variables that are set and not empty. */
export function withSecrets(file: string | null, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (file === null) return env;
  const merged: NodeJS.ProcessEnv = {};
  for (const [k, v] of readSecretsFile(file)) merged[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (v !== '' || merged[k] === undefined)) merged[k] = v;
  return merged;
}

/** --secrets / PBX_ROUTER_SECRETS / the default file, merged under the environment (the environment alone when there is no file). */
export function secretsEnv(explicit?: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withSecrets(secretsFile(explicit, env), env);
}
