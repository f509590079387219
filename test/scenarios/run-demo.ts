/**
 * `npm run demo`: the busy hour with the real engine against the built-in fake Asterisk, voicemail
 * emails delivered to a real SMTP server on loopback, texts to a loopback SMS provider, and the
 * front desk's and nurse line's messages transcribed by pocketsphinx on this machine (skipped, with
 * a line saying how to install it, when it is missing). The same seeded hour runs alongside with
 * nobody taking the queue's text offer, to show what the texts changed (without transcription:
 * that would only double the CPU it takes). Exit 0 when every call ended and Asterisk holds nothing; 1 when a call was lost or
 * stuck, or something was left behind.
 *
 *   node --import tsx test/scenarios/run-demo.ts --config config/example-clinic.yaml [--calls 300] [--seed 7] [--speed 75] [--quiet]
 */
import { parseArgs } from 'node:util';
import { smtpMailer } from '../../src/notify/mailer.js';
import { startSmtp } from '../fakes/smtp.js';
import { runBusyHour } from './busy-hour.js';
import { formatSummary } from './busy-hour-report.js';
import { loopbackTexts } from './demo-texts.js';
import { demoTranscription } from './demo-transcription.js';

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
  // The hour without texts mails its own voicemails, so that each count is its own hour's.
  const smtpWithout = await startSmtp();
  const mailerWithout = smtpMailer({ host: '127.0.0.1', port: smtpWithout.port, from: 'pbx-router demo <pbx-router@127.0.0.1>', tls: 'off', timeoutMs: 5000 });
  const texts = await loopbackTexts(o.config);
  const transcription = demoTranscription(texts);
  const wallStart = Date.now();
  out(`Busy hour: Monday 2026-11-23 from 07:55 (America/Chicago), ${o.calls} calls (seed ${o.seed}), ${o.config}`);
  out(`The engine (startEngine: SQLite file, ari-client over HTTP + WebSocket) against the fake Asterisk 22, time ${o.speed}x`);
  out(texts.provider ? `Texts go to a loopback SMS provider at ${texts.provider.url}; the same hour with nobody taking a text runs alongside` : `The config has no sms: section: no texts`);
  // Skipped: the summary says so (once), where the transcripts' line would be.
  if (!transcription.skipped) out(`Voicemail of ${transcription.mailboxes.join(' and ')} is transcribed by pocketsphinx on this machine, one message at a time; the callers say real words`);
  out('');
  const common = { config: texts.config, env: texts.env, calls: o.calls, seed: o.seed, speed: o.speed };
  const [hour, without] = await Promise.all([
    runBusyHour({ ...common, config: transcription.config, mailer, ...(o.quiet ? {} : { print: out }) }),
    texts.provider ? runBusyHour({ ...common, mailer: mailerWithout, takeTexts: false }) : Promise.resolve(null),
  ]);
  try {
    const wall = ((Date.now() - wallStart) / 1000).toFixed(1);
    const header = `Summary: ${hour.summary.placed} calls, ${wall} s of wall time (${o.speed}x)`;
    const transcriptMails = smtp.received.filter((m) => /Transcript of voicemail \d+/.test(m.subject ?? '')).length;
    const notices = smtp.received.filter((m) => /^URGENT voicemail \d+ in /.test(m.subject ?? '')).length;
    const notes = {
      mail: ` (${smtp.received.length - transcriptMails - notices} received by the loopback SMTP server)`,
      ...(transcription.skipped ? { transcriptsSkipped: transcription.skipped } : { transcriptMail: ` (${transcriptMails} received)` }),
      ...(texts.provider ? { texts: ` (${texts.provider.messages.length} received by the loopback SMS provider)` } : {}),
      ...(without ? { withoutTexts: without.summary } : {}),
    };
    for (const l of formatSummary(hour.summary, header, notes)) out(l);
    const problems = [...hour.problems, ...(without?.problems ?? []).map((p) => `(the hour without texts) ${p}`)];
    for (const p of problems) out(`PROBLEM: ${p}`);
    if (hour.problems.length) out(`engine log (last 20 lines):\n${hour.live.logs.slice(-20).join('\n')}`);
    return problems.length ? 1 : 0;
  } finally {
    await hour.live.stop();
    await without?.live.stop();
    await texts.close();
    await smtp.close();
    await smtpWithout.close();
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
