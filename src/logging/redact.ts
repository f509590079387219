/**
 * What never reaches the log: phone numbers (caller ids, clinicians' cells) are cut to their last
 * four digits, and every secret (ARI, AMI, SMTP and SIP passwords, the admin and wallboard tokens)
 * is replaced. Applied to every finished log line, so free-text messages, fields, child bindings
 * and error stacks are all covered, whoever wrote them.
 */

/** How a secret appears in the log. */
export const SECRET_MASK = '[secret]';

/**
 * Environment keys whose values are secrets: ASTERISK_ARI_PASSWORD, SMTP_PASSWORD,
 * SIP_PASSWORD_1001, PBX_ROUTER_ADMIN_TOKEN, FAILSAFE_VOICEMAIL_PIN, ... (not PBX_ROUTER_SECRETS,
 * which names the file).
 */
const SECRET_KEY = /(PASSWORD|TOKEN|SECRET|PIN|KEY)(_|$)/;

/** Shorter values are not masked: they would blank out ordinary words and numbers. */
const MIN_SECRET_LENGTH = 4;

/** Top-level fields that hold no free text: the line's own time and level. */
const STRUCTURAL = new Set(['time', 'level']);

/**
 * An E.164 number, or a run of 7 or more digits standing alone (inside a dial string such as
 * `PJSIP/5125550198@carrier` too, but not inside a hex id or a word).
 */
const PHONE = /(?<![0-9A-Za-z])(\+?)(\d{7,})(?![0-9A-Za-z])/g;

/** The secret values of an environment (the secrets file merged with process.env). */
export function secretsOf(env: NodeJS.ProcessEnv, extra: readonly (string | undefined)[] = []): string[] {
  const values = Object.entries(env)
    .filter(([k]) => SECRET_KEY.test(k.toUpperCase()))
    .map(([, v]) => v);
  return [...new Set([...values, ...extra].filter((v): v is string => typeof v === 'string' && v.trim().length >= MIN_SECRET_LENGTH))];
}

export interface Redactor {
  /** A text with its phone numbers cut to the last 4 digits and its secrets masked. */
  text(s: string): string;
  /** A finished JSON log line, redacted in every string value (the time and level are kept). */
  line(line: string): string;
}

/** Cuts a number to its last four digits: +15125550123 -> +***0123. */
function lastFour(match: string, plus: string, digits: string, offset: number, whole: string): string {
  // Asterisk's channel ids are `<epoch seconds>.<sequence>` (1764000000.42): not a phone number.
  if (!plus && digits.length === 10 && /^\.\d/.test(whole.slice(offset + match.length, offset + match.length + 2))) return match;
  return `${plus}***${digits.slice(-4)}`;
}

/** A redactor for these secrets (longest first, so a secret that contains another is masked whole). */
export function redactor(secrets: readonly string[]): Redactor {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s;
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    return out.replace(PHONE, lastFour);
  };
  const walk = (v: unknown, top: boolean): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, false));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[text(k)] = top && STRUCTURAL.has(k) ? x : walk(x, false);
      return out;
    }
    return v;
  };
  return {
    text,
    line(line: string): string {
      const end = line.endsWith('\n') ? '\n' : '';
      try {
        return `${JSON.stringify(walk(JSON.parse(line), true))}${end}`;
      } catch {
        return text(line);
      }
    },
  };
}
