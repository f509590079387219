/**
 * The loopback SMS provider of the SMS benchmark, in a child process of its own so that the
 * process.cpuUsage() of the benchmark is the engine side's alone.
 */
import { startFakeSmsProvider, type FakeSmsOptions, type FakeSmsProvider } from '../test/fakes/sms-provider.js';
import { servePeer } from './load-ipc.js';

let provider: FakeSmsProvider | null = null;
let cpuAtStart: NodeJS.CpuUsage | null = null;

servePeer({
  /** Starts the provider; returns its URL. */
  async start(o: FakeSmsOptions): Promise<string> {
    provider = await startFakeSmsProvider(o);
    return provider.url;
  },
  /** Starts counting the provider's CPU. */
  mark(): null {
    cpuAtStart = process.cpuUsage();
    return null;
  },
  /** Messages accepted so far, and the CPU ms since mark(). */
  figures(): { messages: number; cpuMs: number } {
    const cpu = process.cpuUsage(cpuAtStart ?? undefined);
    return { messages: provider?.messages.length ?? 0, cpuMs: (cpu.user + cpu.system) / 1000 };
  },
});
