/**
 * Request/answer over a child process's IPC channel, for the load run: the parent asks the fake
 * Asterisk process and the application process to do things and waits for their answers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Request {
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** A child process that answers requests by operation name. */
export interface Peer {
  call<T>(op: string, args?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Forks `file` (a sibling of this module) under tsx and returns a handle to call it. */
export function spawnPeer(file: string, nodeArgs: readonly string[] = []): Peer {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  // Whatever the child prints (swagger-client's deprecation notice) goes to stderr: stdout is the bench's JSON.
  child.stdout?.pipe(process.stderr);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (m: Answer) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(`${file}: ${m.error ?? 'failed'}`));
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${file} exited (${code ?? 'signal'})`));
    waiting.clear();
  });
  return {
    call: <T>(op: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args } satisfies Request);
      }),
    close: async () => {
      if (child.exitCode === null && child.connected) child.send({ id: 0, op: 'exit', args: null } satisfies Request);
      await exited;
    },
  };
}

/** In the child: answers each request with `handlers[op](args)`; `exit` ends the process. */
export function servePeer(handlers: Readonly<Record<string, (args: never) => unknown>>): void {
  process.on('message', (m: Request) => {
    if (m.op === 'exit') {
      process.disconnect();
      process.exit(0);
    }
    const handler = handlers[m.op];
    const answer = (a: Answer) => process.send?.(a);
    if (!handler) return answer({ id: m.id, ok: false, error: `unknown operation ${m.op}` });
    Promise.resolve()
      .then(() => handler(m.args as never))
      .then(
        (value) => answer({ id: m.id, ok: true, value }),
        (e: Error) => answer({ id: m.id, ok: false, error: e.stack ?? e.message }),
      );
  });
}
