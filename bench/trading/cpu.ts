// Where the CPU goes during a run: the processes of the benchmark's marketplace (found by their
// TOPIC_NAMESPACE), the Kafka broker, the marketplace's redis-server and the benchmark itself, read
// from /proc (Linux). Diagnostic only: on another system the figures are simply absent.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process, or one thread of it (`/proc/<pid>/task/<tid>`), has used. */
function cpuSeconds(pid: number | string): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds the JVM's JIT compiler threads ("C1 CompilerThre…", "C2 CompilerThre…") have used.
 * A freshly started broker compiles for minutes: on the development VM its C2 thread alone took
 * 0.4–0.5 of a core through the first minutes of load (bench/README.md, "The broker's JIT").
 */
function jitSeconds(pid: number): number {
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let total = 0;
  for (const tid of tids)
    if (/^C[12] Compiler/.test(read(`/proc/${pid}/task/${tid}/comm`) ?? ''))
      total += cpuSeconds(`${pid}/task/${tid}`);
  return total;
}

/** Whether a broker's command line names a properties file that listens on `port` (any port when none is given). */
function listensOn(cmdline: string[], port: number | undefined): boolean {
  if (port === undefined) return true;
  const properties = cmdline.filter((a) => a.endsWith('.properties')).pop();
  const text = properties ? read(properties) : null;
  // A broker whose properties cannot be read is counted only when no other is found.
  return text === null || new RegExp(`^listeners=.*:${port}\\b`, 'm').test(text);
}

/**
 * The processes to watch, by name: the namespace's services (none without), the Kafka broker (the one listening on
 * `kafkaPort` when several run on this machine), Redis on `redisPort` (none without).
 */
export function watchedProcesses(
  namespace: string | undefined,
  redisPort: number | undefined,
  kafkaPort?: number,
): Map<string, number> {
  const found = new Map<string, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return found;
  }
  for (const pid of pids) {
    const cmdline = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
    const service = cmdline.find((a) => a.startsWith('services/'));
    if (service && cmdline.some((a) => a.endsWith('infra/runtime/run.js'))) {
      if (
        namespace !== undefined &&
        read(`/proc/${pid}/environ`)?.split('\0').includes(`TOPIC_NAMESPACE=${namespace}`)
      )
        found.set(service.slice('services/'.length), Number(pid));
    } else if (cmdline.includes('kafka.Kafka') && listensOn(cmdline, kafkaPort)) {
      found.set('kafka', Number(pid));
    } else if (
      redisPort !== undefined &&
      /redis-server/.test(cmdline[0] ?? '') &&
      new RegExp(`[: ]${redisPort}\\b`).test(cmdline.join(' '))
    ) {
      found.set('redis', Number(pid));
    }
  }
  return found;
}

/**
 * Starts measuring; the function returned gives the cores each process used since (1 = one core
 * busy), and `kafkaJit`: how much of the broker's figure its JIT compiler threads were.
 */
export function cpuMeter(processes: Map<string, number>): () => Record<string, number> {
  const started = performance.now();
  const before = new Map([...processes].map(([name, pid]) => [name, cpuSeconds(pid)]));
  const kafka = processes.get('kafka');
  const jitBefore = kafka === undefined ? 0 : jitSeconds(kafka);
  const self = process.cpuUsage();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, pid] of processes)
      cores[name] = Number(((cpuSeconds(pid) - (before.get(name) ?? 0)) / seconds).toFixed(2));
    // A lower bound: on larger machines the JVM adds and removes compiler threads as it needs them,
    // and a thread that ended during the run takes its CPU time with it.
    if (kafka !== undefined)
      cores['kafkaJit'] = Number((Math.max(0, jitSeconds(kafka) - jitBefore) / seconds).toFixed(2));
    const used = process.cpuUsage(self);
    cores['bench'] = Number(((used.user + used.system) / 1e6 / seconds).toFixed(2));
    return cores;
  };
}
