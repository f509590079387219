/**
 * The ARI base URL as the operator wrote it. `http://router:secret@host:8088` works (ari-client
 * itself ignores the userinfo): the URL's user and password are used when ASTERISK_ARI_USER and
 * ASTERISK_ARI_PASSWORD do not say otherwise (those win), the password joins the secrets the log
 * masks, and the URL is logged and used without its userinfo.
 */

/** An ASTERISK_ARI_URL (or --ari-url) that is not an http(s) URL. */
export class AriUrlError extends Error {
  readonly code = 'bad-ari-url';
}

export interface AriEndpoint {
  /** `http(s)://host:port`, without userinfo, path or trailing slash (ari-client adds `/ari/...`). */
  readonly url: string;
  /** The URL's user, when it has one. */
  readonly user?: string;
  /** The URL's password, when it has one. */
  readonly password?: string;
}

/** Splits the URL into where and who; throws AriUrlError naming `where` for one that is not http(s)://host[:port]. */
export function parseAriUrl(text: string, where = 'ASTERISK_ARI_URL'): AriEndpoint {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new AriUrlError(`${where} '${withoutUserinfo(text)}' is not a URL; write it as http://<asterisk host>:8088 (the ARI address in Asterisk's http.conf)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AriUrlError(`${where} '${withoutUserinfo(text)}' is not http:// or https://; write it as http://<asterisk host>:8088`);
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  return { url: `${u.protocol}//${u.host}`, ...(user ? { user } : {}), ...(password ? { password } : {}) };
}

/** The text with any `user:password@` after the scheme cut out, for messages about a URL that did not parse. */
export function withoutUserinfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
