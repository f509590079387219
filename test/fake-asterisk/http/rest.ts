/**
 * REST request/response types and Asterisk's answer builders (res_ari.c): JSON errors are
 * `{"message": ...}` with the handler's own reason phrase on the status line, except
 * ast_ari_response_alloc_failed(), which answers 500 `{"error":"Allocation failed"}`.
 * Also the fake's parts as the handlers see them, and the checks they share (find_control...).
 */
import type { FakeChannel } from '../model/channel.js';
import type { FakeEndpoints } from '../model/endpoints.js';
import type { DialContext } from '../model/originate.js';
import type { FakePbx } from '../model/pbx.js';
import type { FakePlaybacks } from '../model/playbacks.js';
import type { FakeRecordings } from '../model/recordings.js';
import type { SoundLibrary } from '../model/sounds.js';
import type { Json } from '../model/types.js';
import type { WireConnection } from './wire.js';

/** A REST request after routing. */
export interface RestRequest {
  readonly method: string;
  /** Path variables by swagger name (`channelId`, `bridgeId`...). */
  readonly pathVars: Readonly<Record<string, string>>;
  /** Query (and body) parameters; repeated parameters keep every value. */
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** The JSON body, or null. */
  readonly body: Json;
  readonly conn: WireConnection;
}

/** A REST answer. */
export interface RestResult {
  readonly status: number;
  readonly reason: string;
  /** JSON body; undefined for none (204). */
  readonly body?: Json;
  /** Extra headers, written before Content-type (Location, Allow, WWW-Authenticate). */
  readonly headers?: readonly (readonly [string, string])[];
  /** A non-JSON body (recording files). */
  readonly raw?: { readonly contentType: string; readonly data: Buffer };
}

/** A REST handler. */
export type RestHandler = (req: RestRequest) => RestResult;

/** 200 OK with a JSON body. */
export function ok(body: Json): RestResult {
  return { status: 200, reason: 'OK', body };
}

/** 204 No Content. */
export function noContent(): RestResult {
  return { status: 204, reason: 'No Content' };
}

/** 201 Created with Location (Asterisk prefixes `/ari`). */
export function created(location: string, body: Json): RestResult {
  return { status: 201, reason: 'Created', body, headers: [['Location', `/ari${location}`]] };
}

/** An error answer `{"message": ...}`. */
export function error(status: number, reason: string, message: string): RestResult {
  return { status, reason, body: { message } };
}

/** ast_ari_response_alloc_failed(): note the key `error`, not `message`. */
export function allocFailed(): RestResult {
  return { status: 500, reason: 'Internal Server Error', body: { error: 'Allocation failed' } };
}

/** The last value of a scalar parameter (Asterisk's generated parsers keep the last one). */
export function param(req: RestRequest, name: string): string | undefined {
  const v = req.params.get(name);
  return v && v.length > 0 ? v[v.length - 1] : undefined;
}

/** A non-empty scalar parameter. */
export function nonEmpty(req: RestRequest, name: string): string | undefined {
  const v = param(req, name);
  return v === undefined || v === '' ? undefined : v;
}

/** An allowMultiple parameter: every value, each split on commas. */
export function list(req: RestRequest, name: string): string[] {
  return (req.params.get(name) ?? []).flatMap((v) => v.split(','));
}

/** An int parameter with C atoi() semantics (`abc` -> 0). */
export function int(req: RestRequest, name: string, dflt: number): number {
  const v = param(req, name);
  if (v === undefined) return dflt;
  const n = parseInt(v.trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** A boolean parameter with ast_true() semantics. */
export function bool(req: RestRequest, name: string, dflt: boolean): boolean {
  const v = param(req, name);
  if (v === undefined) return dflt;
  return ['yes', 'true', 'y', 't', '1', 'on'].includes(v.trim().toLowerCase());
}

/** `variables` of a body (`{"variables": {...}}`), as ordered string pairs. */
export function bodyVariables(req: RestRequest): { ok: true; vars: [string, string][] } | { ok: false; result: RestResult } {
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: true, vars: [] };
  const vars = body.variables;
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return { ok: true, vars: [] };
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (!k) continue;
    if (typeof v === 'string') out.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.value === 'string') out.push([k, v.value]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) return { ok: false, result: error(400, 'Bad Request', "Each object value in 'variables' must include string field 'value'") };
    else return { ok: false, result: error(400, 'Bad Request', "Each value in 'variables' must be a string or an object with 'value' and optional 'report_events'") };
  }
  return { ok: true, vars: out };
}

/** The fake's parts, as seen by the REST handlers. */
export interface FakeEnv {
  readonly pbx: FakePbx;
  readonly endpoints: FakeEndpoints;
  readonly playbacks: FakePlaybacks;
  readonly recordings: FakeRecordings;
  readonly sounds: SoundLibrary;
  readonly dial: DialContext;
  /** The Asterisk version reported by /asterisk/info. */
  readonly version: string;
}

/** find_control(): the channel if it is in Stasis, else 404 "Channel not found" / 409. */
export function findControl(env: FakeEnv, id: string): FakeChannel | RestResult {
  const ch = env.pbx.channel(id);
  if (!ch || ch.origin === 'internal') return error(404, 'Not Found', 'Channel not found');
  if (!ch.stasisApp) return error(409, 'Conflict', 'Channel not in Stasis application');
  return ch;
}

/**
 * channel_state_invalid(): operations that change state or play media are refused with 412
 * on a Stasis channel that is Down, Reserved or Ringing (a created channel before /dial, an
 * outbound channel not yet answered).
 */
export function stateInvalid(ch: FakeChannel): RestResult | null {
  if (ch.state === 'Down' || ch.state === 'Rsrvd' || ch.state === 'Ringing') return error(412, 'Precondition Failed', 'Channel in invalid state');
  return null;
}

/** Type guard for handler results. */
export function isResult(x: unknown): x is RestResult {
  return typeof x === 'object' && x !== null && 'status' in x && 'reason' in x;
}
