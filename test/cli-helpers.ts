/** Runs the CLI in this process, as `pbx-router <args>`, and collects what it printed. */
import { main, type Io } from '../src/cli/main.js';

export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => void (err += t.endsWith('\n') ? t : `${t}\n`) };
  const code = await main(['node', 'pbx-router', ...args], io);
  return { code, out, err };
}
