/**
 * The admin API's errors: one table of codes with their HTTP status. The codes are public API
 * (scripts and monitoring match on them): never rename one, only add. Each is documented in
 * docs/clinic-it.md, and a test checks that every code is unique and documented there.
 * An error body is `{ "code": "<code>", "error": "<what was wrong and what to do>", ...details }`.
 */

export const ADMIN_ERRORS = {
  unauthorized: { status: 401, meaning: 'missing or wrong admin token (Authorization: Bearer <PBX_ROUTER_ADMIN_TOKEN>)' },
  'wallboard-key': { status: 401, meaning: 'missing or wrong wallboard key (?key= on the page, x-wallboard-key on its data)' },
  'wallboard-off': { status: 404, meaning: 'the wallboard is off: PBX_ROUTER_WALLBOARD_TOKEN is not set' },
  'sms-webhook-key': { status: 401, meaning: 'missing or wrong key on the SMS webhook (POST /sms/inbound?key=<PBX_ROUTER_SMS_WEBHOOK_TOKEN>)' },
  'sms-webhook-off': { status: 404, meaning: 'texts from patients are not taken: PBX_ROUTER_SMS_WEBHOOK_TOKEN is not set' },
  'bad-request': { status: 400, meaning: 'the request does not match its schema (the field and what is allowed are named)' },
  'bad-json': { status: 400, meaning: 'the body is not valid JSON' },
  'body-too-large': { status: 413, meaning: 'the body is over 10 kB' },
  'unsupported-media-type': { status: 415, meaning: 'a body that is not application/json (or, to /sms/inbound, a form)' },
  'unknown-route': { status: 404, meaning: 'no such method and path' },
  'unknown-agent': { status: 404, meaning: 'no agent with that id in the running config' },
  'unknown-site': { status: 404, meaning: 'no site with that id in the running config' },
  'config-invalid': { status: 422, meaning: 'reload: the new config has problems (listed in `problems`); the running config stays' },
  internal: { status: 500, meaning: "the engine's own failure; its cause is in the engine's log" },
} as const satisfies Readonly<Record<string, { readonly status: number; readonly meaning: string }>>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** An error the admin API answers with its code's status and `{ code, error, ...details }`. */
export class AdminError extends Error {
  readonly status: number;
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.status = ADMIN_ERRORS[code].status;
  }
}

/** The admin API could not listen where it was told. */
export class AdminListenError extends Error {
  readonly code = 'admin-listen';
}

/** One line naming the address, why, and the option to change it. */
export function listenError(e: unknown, host: string, port: number): AdminListenError {
  const errno = (e as NodeJS.ErrnoException).code;
  const why =
    errno === 'EADDRINUSE'
      ? `port ${port} is already in use (another pbx-router, or another service?)`
      : errno === 'EACCES'
        ? `permission denied (ports below 1024 need privileges)`
        : errno === 'EADDRNOTAVAIL' || errno === 'ENOTFOUND'
          ? `this machine has no address ${host}`
          : (e as Error).message;
  return new AdminListenError(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port} for the admin API: ${why}; choose another address with --admin-listen <host:port> (or PBX_ROUTER_ADMIN_LISTEN)`);
}

/** `127.0.0.1:8089`, `[::1]:8089` or `0.0.0.0:9000` into host and port; null when it is none of these. */
export function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}
