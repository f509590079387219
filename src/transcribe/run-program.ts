/**
 * Runs a recogniser program to completion: its stdout, and the CPU time it spent (user + system,
 * from the shell's `times`, since Node does not report a child's rusage). A run past its timeout
 * or aborted is killed with its whole process group; a program that is missing or fails rejects
 * with its exit status and the end of its stderr.
 */
import { spawn } from 'node:child_process';

export interface ProgramRun {
  readonly stdout: string;
  readonly cpuMs: number;
}

const TIMES = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;

export function runProgram(program: string, args: readonly string[], options: { readonly timeoutMs: number; readonly signal?: AbortSignal; /** What errors call it (default `program`; e.g. the program `nice` runs). */ readonly name?: string }): Promise<ProgramRun> {
  const name = options.name ?? program;
  return new Promise((resolve, reject) => {
    // `times` prints the shell's own times, then its children's: the last line is the program's.
    const child = spawn('sh', ['-c', '"$@"; s=$?; times >&2; exit $s', 'sh', program, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped: string | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const stop = (why: string) => {
      if (stopped || child.pid === undefined) return;
      stopped = why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => stop('aborted');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${name}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (stopped) return reject(new Error(`${name}: ${stopped}`));
      const t = TIMES.exec(stderr);
      const cpuMs = t ? Math.round((Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000) : 0;
      const said = stderr.replace(TIMES, '').replace(/\d+m[\d.]+s \d+m[\d.]+s\s*$/, '').trim();
      if (code === 127) return reject(new Error(`${name}: program not found`));
      if (code !== 0) return reject(new Error(`${name}: exit ${code}${said ? `: ${said.split('\n').slice(-3).join(' | ')}` : ''}`));
      resolve({ stdout, cpuMs });
    });
  });
}
