/** Small statistics for the load run: percentiles of latencies, event-loop delay, memory. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** Count and percentiles (ms, 2 decimals) of a list of values. */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** p50, p99 and max of `values` (nearest rank); zeros when empty. */
export function summarize(values: readonly number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? 0 : Math.round(sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]! * 100) / 100);
  return { n, p50: at(0.5), p99: at(0.99), max: n === 0 ? 0 : Math.round(sorted[n - 1]! * 100) / 100 };
}

/** Event-loop delay and memory of this process, between start() and stop(). */
export interface ProcessFigures {
  /** Event-loop delay in ms beyond the 10 ms sampling interval (perf_hooks monitorEventLoopDelay). */
  readonly lag_p50_ms: number;
  readonly lag_p99_ms: number;
  readonly lag_max_ms: number;
  /** Highest RSS sampled every 50 ms during the phase. */
  readonly peak_rss_mb: number;
  /** The process's peak RSS since it started (getrusage maxrss). */
  readonly max_rss_mb: number;
  readonly heap_used_mb: number;
  /** CPU time (user + system) of the process during the phase. */
  readonly cpu_ms: number;
}

/** Watches the event loop and RSS of this process. */
export class ProcessMonitor {
  private histogram: IntervalHistogram | null = null;
  private sampler: ReturnType<typeof setInterval> | null = null;
  private peakRss = 0;
  private cpu = process.cpuUsage();

  /** Starts a fresh measurement. */
  start(): void {
    this.stop();
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.peakRss = process.memoryUsage.rss();
    this.cpu = process.cpuUsage();
    this.sampler = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    }, 50);
  }

  /** The figures since start(); the measurement keeps running. */
  figures(): ProcessFigures {
    const h = this.histogram;
    // The histogram records whole intervals between samples, so the sampling interval itself is taken off.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    return {
      lag_p50_ms: h ? ms(h.percentile(50)) : 0,
      lag_p99_ms: h ? ms(h.percentile(99)) : 0,
      lag_max_ms: h ? ms(h.max) : 0,
      peak_rss_mb: mb(this.peakRss),
      max_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
      heap_used_mb: mb(process.memoryUsage().heapUsed),
      cpu_ms: Math.round(((c) => (c.user + c.system) / 1000)(process.cpuUsage(this.cpu))),
    };
  }

  /** Stops measuring. */
  stop(): void {
    this.histogram?.disable();
    if (this.sampler) clearInterval(this.sampler);
    this.histogram = null;
    this.sampler = null;
  }
}
