/**
 * Asterisk's sound index through ARI (`GET /ari/sounds/{soundId}`), for the prompt checks. Plain
 * HTTP rather than ari-client: `pbx-router prompts check` needs no event socket, and the engine's
 * check must not wait on one.
 *
 * Facts from Asterisk 22.10.1: the id keeps its folders, percent-encoded (`riverside%2Fmain-menu`;
 * a raw `/` answers 404 "Resource not found"); a sound it does not have answers 404
 * {"message":"Sound not found"}; a found one lists `formats: [{language, format}]` (a .wav file is
 * format `slin`); the index follows files added while Asterisk runs, so no reload is needed.
 */
import { type SoundCatalog, SoundCatalogError } from '../prompts/check.js';

export interface AriSoundsSettings {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Asterisk answers in about a millisecond; 5 s means it is stuck or unreachable. */
  readonly timeoutMs?: number;
}

/** The sound index of one Asterisk, through ARI. */
export class AriSounds implements SoundCatalog {
  private readonly base: string;
  private readonly auth: string;

  constructor(private readonly settings: AriSoundsSettings) {
    this.base = `${settings.url.replace(/\/+$/, '')}/ari`;
    this.auth = `Basic ${Buffer.from(`${settings.user}:${settings.password}`).toString('base64')}`;
  }

  /** The languages Asterisk has the sound in; empty when it has none. */
  async languages(sound: string): Promise<readonly string[]> {
    const url = `${this.base}/sounds/${encodeURIComponent(sound)}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: this.auth, accept: 'application/json' }, signal: AbortSignal.timeout(this.settings.timeoutMs ?? 5000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new SoundCatalogError('unreachable', `cannot reach Asterisk's ARI at ${this.settings.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); is Asterisk running with ARI enabled (http.conf, ari.conf)?`);
    }
    const text = await res.text();
    const body = parseJson(text);
    if (res.status === 401) throw new SoundCatalogError('refused', `ARI at ${this.settings.url} refused the user '${this.settings.user}' (check ASTERISK_ARI_USER and ASTERISK_ARI_PASSWORD against ari.conf)`);
    if (res.status === 404 && body?.message === 'Sound not found') return [];
    if (res.status !== 200 || !Array.isArray(body?.formats)) {
      throw new SoundCatalogError('unexpected', `ARI GET /sounds/${encodeURIComponent(sound)} answered ${res.status}: ${text.slice(0, 200)} (is res_ari_sounds loaded?)`);
    }
    const langs = (body.formats as { language?: unknown }[]).map((f) => String(f.language ?? ''));
    return [...new Set(langs.filter((l) => l !== ''))];
  }
}

function parseJson(text: string): { message?: unknown; formats?: unknown } | null {
  try {
    return JSON.parse(text) as { message?: unknown; formats?: unknown };
  } catch {
    return null;
  }
}
