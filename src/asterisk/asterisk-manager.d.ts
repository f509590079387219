// The parts of asterisk-manager 0.2 that the presence adapter uses (the package ships no types).
declare module 'asterisk-manager' {
  interface AmiEvent {
    readonly event?: string;
    readonly response?: string;
    readonly actionid?: string;
    readonly message?: string;
    readonly [key: string]: unknown;
  }
  interface Manager {
    on(event: string, fn: (e: AmiEvent) => void): void;
    removeListener(event: string, fn: (e: AmiEvent) => void): void;
    once(event: string, fn: (...args: unknown[]) => void): void;
    removeAllListeners(event?: string): void;
    connect(port: number, host: string, callback?: (err?: Error) => void): void;
    login(callback: (err?: AmiEvent | Error) => void): void;
    action(action: Record<string, string>, callback: (err: AmiEvent | undefined, res: AmiEvent) => void): string;
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
    options: { port: number; host: string; username: string; password: string; events: boolean };
  }
  function AsteriskManager(port: number | null, host: string, username: string, password: string, events: boolean): Manager;
  export = AsteriskManager;
}
