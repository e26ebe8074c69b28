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
  readonly ticks: number;
}

function statOf(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ")".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from 3 (state): ppid is 4, utime 14, stime 15 (1-based in proc(5)).
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Seconds of CPU used so far by the browser started with `--user-data-dir=<profile>` and its descendants. */
export function chromiumCpuSeconds(profile: string): number | null {
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
  let ticks = 0;
  const stack = [browser];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    ticks += stats.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
