/**
 * CPU time (user + system) of the Chromium a test launched: its browser process and every
 * process under it (renderers, utilities, the network service), read from /proc. CPU time,
 * unlike wall time, does not grow when other programs share the cores, so an import's
 * CPU seconds compare with the command line's (`/usr/bin/time`) even on a busy machine.
 * Linux only; null elsewhere or when the browser process is not found.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  readonly ppid: number;
  /** User + system. */
  readonly ticks: number;
  readonly systemTicks: number;
  /** Page faults (minor + major): each costs the kernel time, which shows as system time. */
  readonly faults: number;
  /** User + system of its children that ended and were waited for. */
  readonly reapedChildrenTicks: number;
}

/** A /proc stat file's parent pid and utime + stime, or null when it cannot be read (it ended). */
function statAt(file: string): Stat | null {
  try {
    const text = readFileSync(file, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ")".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from 3 (state): ppid is 4, minflt 10, majflt 12, utime 14, stime 15, cutime 16,
    // cstime 17 (1-based in proc(5)).
    return {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      systemTicks: Number(fields[12]),
      faults: Number(fields[7]) + Number(fields[9]),
      reapedChildrenTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

const statOf = (pid: number): Stat | null => statAt(`/proc/${pid}/stat`);

/**
 * Seconds of CPU used by this process's children that have ended and been waited for (a command a
 * benchmark ran to its end), or null without /proc.
 */
export function reapedChildrenCpuSeconds(): number | null {
  const stat = statAt('/proc/self/stat');
  return stat ? stat.reapedChildrenTicks / TICKS_PER_SECOND : null;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * The browser started with `--user-data-dir=<profile>` and every process under it, or null
 * when /proc cannot be read or that browser is not found.
 */
function browserProcesses(profile: string): { readonly pid: number; readonly ticks: number }[] | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').flatMap((name) => (/^\d+$/.test(name) ? [Number(name)] : []));
  } catch {
    return null;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const stat = statOf(pid);
    if (stat) stats.set(pid, stat);
  }
  const browser = pids.find(
    (pid) => commandLine(pid).includes(`--user-data-dir=${profile}`) && !commandLine(pid).includes('--type='),
  );
  if (browser === undefined) return null;
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const out: { pid: number; ticks: number }[] = [];
  const stack = [browser];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push({ pid, ticks: stats.get(pid)?.ticks ?? 0 });
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Seconds of CPU used so far by the browser started with `--user-data-dir=<profile>` and its descendants. */
export function chromiumCpuSeconds(profile: string): number | null {
  const processes = browserProcesses(profile);
  return processes ? processes.reduce((sum, p) => sum + p.ticks, 0) / TICKS_PER_SECOND : null;
}

/** What one thread has used so far. */
export interface ThreadUse {
  /** CPU seconds, user + system. */
  readonly seconds: number;
  /** Of which system (the kernel working for it: page faults, system calls). */
  readonly systemSeconds: number;
  /** Page faults taken. */
  readonly faults: number;
}

/**
 * The same CPU time by thread, for each thread alive now: its key ("<pid>/<tid>"), its name
 * ("<process type>/<thread name>": the browser's, a renderer's main thread, a dedicated
 * worker...), its seconds, its system seconds and page faults. A worker's thread is gone once
 * the worker is terminated, so a benchmark reads this while the work runs and keeps each
 * thread's last value (`threadCpuTracker`).
 */
export function chromiumThreads(profile: string): Map<string, ThreadUse & { readonly name: string }> | null {
  const processes = browserProcesses(profile);
  if (!processes) return null;
  const out = new Map<string, ThreadUse & { name: string }>();
  for (const { pid } of processes) {
    const type = /--type=([a-z-]+)/.exec(commandLine(pid))?.[1] ?? 'browser';
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let name: string;
      try {
        name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      const stat = statAt(`/proc/${pid}/task/${tid}/stat`);
      out.set(`${pid}/${tid}`, {
        name: `${type}/${name}`,
        seconds: (stat?.ticks ?? 0) / TICKS_PER_SECOND,
        systemSeconds: (stat?.systemTicks ?? 0) / TICKS_PER_SECOND,
        faults: stat?.faults ?? 0,
      });
    }
  }
  return out;
}

/**
 * Samples `chromiumThreads` and keeps each thread's last value, so threads that end (a
 * terminated worker) still count. `since()` gives the CPU seconds by thread name since the
 * tracker was made, largest first (each dedicated worker apart, named by its thread id), with
 * the system seconds and page faults among them.
 */
export function threadCpuTracker(profile: string): { sample(): void; since(): [string, ThreadUse][] } {
  const first = chromiumThreads(profile) ?? new Map();
  const last = new Map(first);
  return {
    sample() {
      for (const [key, value] of chromiumThreads(profile) ?? []) last.set(key, value);
    },
    since() {
      // Dedicated workers are one each (the verify worker, each segment worker); other
      // threads of a name (a thread pool) are summed.
      const byName = new Map<string, ThreadUse>();
      for (const [key, value] of last) {
        const before = first.get(key);
        const spent = value.seconds - (before?.seconds ?? 0);
        if (spent <= 0) continue;
        const name = value.name.endsWith('/DedicatedWorker') ? `${value.name} ${key.split('/')[1]}` : value.name;
        const sum = byName.get(name);
        byName.set(name, {
          seconds: (sum?.seconds ?? 0) + spent,
          systemSeconds: (sum?.systemSeconds ?? 0) + value.systemSeconds - (before?.systemSeconds ?? 0),
          faults: (sum?.faults ?? 0) + value.faults - (before?.faults ?? 0),
        });
      }
      return [...byName].sort((a, b) => b[1].seconds - a[1].seconds);
    },
  };
}
