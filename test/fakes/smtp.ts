/** A real SMTP server on loopback (smtp-server) that parses what it receives (mailparser). */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface TestSmtp {
  readonly received: ParsedMail[];
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (port 0: any free port). */
export async function startSmtp(port = 0, options: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then((m) => {
          received.push(m);
          done();
        }, done);
      });
    },
    ...options,
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { received, port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
