/**
 * Whether Asterisk's ARI is usable yet, asked before ari-client connects. ari-client (through
 * swagger-client) throws an uncatchable exception on a 401, 404, 5xx or non-JSON answer to its first
 * request, so the engine exited within a second of starting against an Asterisk that was still
 * loading or had another password (issue 13, finding 9). This asks the same URL itself and says
 * what was answered, so the connect loop can wait and retry with the reason in its log line.
 */

/** What ARI answered: usable, a refused login (wrong user or password), or not ready yet. */
export type AriAnswer = { readonly kind: 'usable' } | { readonly kind: 'refused'; readonly status: number } | { readonly kind: 'not-ready'; readonly what: string };

/** GET /ari/api-docs/resources.json (ari-client's first request) with the credentials, within `timeoutMs`. */
export async function askAri(url: string, user: string, password: string, timeoutMs: number): Promise<AriAnswer> {
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  let res: Response;
  try {
    res = await fetch(`${url}/ari/api-docs/resources.json`, { headers: { authorization: `Basic ${auth}`, connection: 'close' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    return { kind: 'not-ready', what: transportError(e, timeoutMs) };
  }
  let body: string;
  try {
    body = await res.text();
  } catch (e) {
    return { kind: 'not-ready', what: transportError(e, timeoutMs) };
  }
  if (res.status === 401 || res.status === 403) return { kind: 'refused', status: res.status };
  if (!res.ok) return { kind: 'not-ready', what: `answered HTTP ${res.status} ${res.statusText}`.trim() };
  try {
    const doc = JSON.parse(body) as { apis?: unknown };
    if (Array.isArray(doc.apis)) return { kind: 'usable' };
    return { kind: 'not-ready', what: 'answered JSON that is not the ARI description (no apis)' };
  } catch {
    return { kind: 'not-ready', what: `answered HTTP ${res.status} with a body that is not JSON (${res.headers.get('content-type') ?? 'no content-type'}: ${JSON.stringify(body.slice(0, 40))})` };
  }
}

/** ECONNREFUSED, ECONNRESET, a time-out...: the cause fetch wraps in "fetch failed". */
function transportError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED): nothing listens there yet';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `the connection was closed without an answer (${code})`;
  return code ? `${err.cause?.message ?? code} (${code})` : (err.cause?.message ?? err.message);
}
