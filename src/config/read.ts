/**
 * Reading config and iCalendar files within bounds: only regular files, never more bytes than the
 * limit (a device such as /dev/zero, a pipe or a 5 GB log is refused before it is read), and every
 * failure is a value saying what is wrong and what to do, never an exception.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bytes, LIMITS, type LoadLimits } from './limits.js';

export interface Source {
  readonly path: string;
  readonly text: string;
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

/** Reads a regular file of at most `limit` bytes as UTF-8; anything else is a failure saying why. */
export function readBounded(path: string, limit: number): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a named pipe must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, message: errnoText(e) };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, message: 'it is a folder, not a file' };
    if (!stat.isFile()) return { ok: false, message: 'it is not a regular file (a device, pipe or socket); point it at a file' };
    if (stat.size > limit) return { ok: false, message: `the file is ${bytes(stat.size)}, more than the ${bytes(limit)} allowed` };
    // The size can change under us (a log being written): read at most one byte past the limit.
    const buf = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(stat.size + 1, 64 * 1024)));
    let used = 0;
    for (;;) {
      if (used === buf.length) break;
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
    }
    if (used > limit) return { ok: false, message: `the file is more than the ${bytes(limit)} allowed` };
    return { ok: true, text: buf.subarray(0, used).toString('utf8') };
  } catch (e) {
    return { ok: false, message: errnoText(e) };
  } finally {
    closeSync(fd);
  }
}

/** What a failed file operation means, in words. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the engine user must be able to read it)';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err.message;
  }
}

export interface ReadFailure {
  readonly path: string;
  readonly message: string;
}

export interface ReadConfig {
  readonly sources: Source[];
  readonly failures: ReadFailure[];
}

const CONFIG_FILE = /\.ya?ml$/;
const NOT_ROUTING = /\.(scenarios|test|agents)\.ya?ml$/;

/** Reads a config file, or every *.yaml / *.yml file of a folder in name order, within the limits. */
export function readConfig(path: string, limits: LoadLimits = LIMITS): ReadConfig {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (e) {
    return { sources: [], failures: [{ path, message: errnoText(e) }] };
  }
  if (!isFolder) {
    const r = readBounded(path, limits.fileBytes);
    return r.ok ? { sources: [{ path, text: r.text }], failures: [] } : { sources: [], failures: [{ path, message: r.message }] };
  }
  let names: string[];
  try {
    names = readdirSync(path)
      .filter((f) => CONFIG_FILE.test(f) && !NOT_ROUTING.test(f))
      .sort();
  } catch (e) {
    return { sources: [], failures: [{ path, message: errnoText(e) }] };
  }
  if (names.length > limits.files) {
    return { sources: [], failures: [{ path, message: `the folder has ${names.length} config files, more than the ${limits.files} allowed; keep the routing config in fewer files` }] };
  }
  const sources: Source[] = [];
  const failures: ReadFailure[] = [];
  let total = 0;
  for (const name of names) {
    const file = join(path, name);
    const r = readBounded(file, limits.fileBytes);
    if (!r.ok) {
      failures.push({ path: file, message: r.message });
      continue;
    }
    total += r.text.length;
    if (total > limits.totalBytes) {
      failures.push({ path: file, message: `the folder's config files together pass the ${bytes(limits.totalBytes)} allowed here` });
      break;
    }
    sources.push({ path: file, text: r.text });
  }
  return { sources, failures };
}
