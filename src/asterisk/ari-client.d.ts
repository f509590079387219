// The parts of ari-client 2.2 that the adapter uses (the package ships no types).
declare module 'ari-client' {
  import type { EventEmitter } from 'node:events';

  export interface AriClient extends EventEmitter {
    start(apps: string | string[], subscribeAll?: boolean): Promise<void>;
    stop(): void;
    /** ari-client's own socket (its ws@6): only what the adapter touches. */
    _ws?: {
      readonly readyState: number;
      listeners(event: string): ((...args: unknown[]) => void)[];
      removeListener(event: string, listener: (...args: unknown[]) => void): void;
      on(event: string, listener: (...args: unknown[]) => void): void;
      ping(): void;
      terminate(): void;
    };
    channels: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
    bridges: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
    playbacks: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
    recordings: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
    applications: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
    asterisk: Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
  }

  export function connect(url: string, user: string, password: string): Promise<AriClient>;
  const ari: { connect: typeof connect };
  export default ari;
}
