/**
 * `npm run demo`: the busy hour with the real engine against the built-in fake Asterisk, voicemail
 * emails delivered to a real SMTP server on loopback. Exit 0 when every call ended and Asterisk
 * holds nothing; 1 when a call was lost or stuck, or something was left behind.
 *
 *   node --import tsx test/scenarios/run-demo.ts --config config/example-clinic.yaml [--calls 300] [--seed 7] [--speed 75] [--quiet]
 */
import { parseArgs } from 'node:util';
import { smtpMailer } from '../../src/notify/mailer.js';
import { startSmtp } from '../fakes/smtp.js';
import { runBusyHour } from './busy-hour.js';
import { formatSummary } from './busy-hour-report.js';

/** Parses the demo's options (`--config`, `--calls`, `--seed`, `--speed`, `--quiet`). */
export function demoOptions(argv: readonly string[]): { config: string; calls: number; seed: number; speed: number; quiet: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c', default: 'config/example-clinic.yaml' },
      calls: { type: 'string', default: '300' },
      seed: { type: 'string', default: '7' },
      speed: { type: 'string', default: '75' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}, got ${v}`);
    return n;
  };
  return { config: values.config, calls: Math.floor(num('calls', values.calls, 1)), seed: Math.floor(num('seed', values.seed, 0)), speed: num('speed', values.speed, 1), quiet: values.quiet };
}

/** Runs the demo and returns the exit code. */
export async function runDemoCommand(argv: readonly string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const o = demoOptions(argv);
  // swagger-client (inside ari-client) prints a notice about Asterisk's Swagger 1.2 docs on every connect.
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => {
    if (!String(args[0]).includes('deprecated version of Swagger')) consoleLog(...args);
  };
  const smtp = await startSmtp();
  const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router demo <pbx-router@127.0.0.1>', tls: 'off', timeoutMs: 5000 });
  const wallStart = Date.now();
  out(`Busy hour: Monday 2026-11-23 from 07:55 (America/Chicago), ${o.calls} calls (seed ${o.seed}), ${o.config}`);
  out(`The engine (startEngine: SQLite file, ari-client over HTTP + WebSocket) against the fake Asterisk 22, time ${o.speed}x`);
  out('');
  const hour = await runBusyHour({ config: o.config, calls: o.calls, seed: o.seed, speed: o.speed, mailer, ...(o.quiet ? {} : { print: out }) });
  try {
    const wall = ((Date.now() - wallStart) / 1000).toFixed(1);
    const header = `Summary: ${hour.summary.placed} calls, ${wall} s of wall time (${o.speed}x)`;
    for (const l of formatSummary(hour.summary, header, ` (${smtp.received.length} received by the loopback SMTP server)`)) out(l);
    for (const p of hour.problems) out(`PROBLEM: ${p}`);
    if (hour.problems.length) out(`engine log (last 20 lines):\n${hour.live.logs.slice(-20).join('\n')}`);
    return hour.problems.length ? 1 : 0;
  } finally {
    await hour.live.stop();
    await smtp.close();
    console.log = consoleLog;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDemoCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`demo failed: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
