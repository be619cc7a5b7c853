// What the kernel says of a process (Linux /proc): CPU time and peak memory. CPU time, unlike wall
// time, does not grow while a process waits for a core that other work on a shared machine holds.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on Linux on every common architecture (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of a /proc/…/stat line after the command name (which may hold spaces, in parentheses). */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (+ cutime + cstime: what its exited children left), in ms. */
function cpuMsOfFields(f: string[], withExited = false): number {
  const ticks = Number(f[11]) + Number(f[12]) + (withExited ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time (user + system, all threads) a process has used so far, in ms. */
export function cpuMsOf(pid: number): number {
  return cpuMsOfFields(statFields(`/proc/${pid}/stat`));
}

/**
 * CPU time of this process's main thread so far, in ms (null where /proc is missing): leaves out
 * worker threads. Resolution: one clock tick (10 ms).
 */
export function mainThreadCpuMs(): number | null {
  try {
    return cpuMsOfFields(statFields(`/proc/self/task/${process.pid}/stat`));
  } catch {
    return null;
  }
}

/**
 * CPU time of one thread of a process so far, in ms: `tid` = `pid` is its main thread (the JavaScript
 * event loop); 0 once the thread has ended.
 */
export function threadCpuMs(pid: number, tid: number): number {
  try {
    return cpuMsOfFields(statFields(`/proc/${pid}/task/${tid}/stat`));
  } catch {
    return 0;
  }
}

/** VmHWM of a process: the peak of its resident set size, kept by the kernel. */
export function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for process ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * CPU time of a process and all its descendants, in ms: its own, what its exited children left
 * (cutime, cstime) and each live child's, recursively. For PostgreSQL's postmaster that is the
 * whole server: the backends serving the relays, the WAL writer, the checkpointer.
 */
export function treeCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(`/proc/${entry}/stat`)[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const own = (p: number): number => {
    try {
      return cpuMsOfFields(statFields(`/proc/${p}/stat`), true);
    } catch {
      return 0;
    }
  };
  const walk = (p: number): number => own(p) + (children.get(p) ?? []).reduce((a, c) => a + walk(c), 0);
  return walk(pid);
}
