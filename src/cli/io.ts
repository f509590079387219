/** Where a command writes its output and its errors (the process's stdout and stderr, or a test's buffers). */
export interface Io {
  /** Writes a line of output. */
  out(text: string): void;
  /** Writes a line of error text. */
  err(text: string): void;
}
