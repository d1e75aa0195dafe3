// CPU seconds by process tree, read from /proc: where the machine's two cores went during a
// timed path (the bench itself, the worker, FerretDB, Temporal, versitygw).
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface ProcessStat {
  parent: number;
  ticks: number;
}

function readStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at its closing parenthesis.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), {
        parent: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended while /proc was read.
    }
  }
  return stats;
}

/**
 * CPU seconds used so far by each named process and its descendants; a descendant of two
 * named processes (a server the bench started) counts for the nearest one only.
 */
export function cpuSecondsByTree(
  roots: Record<string, number | undefined>,
): Record<string, number> {
  const stats = readStats();
  const labelOf = new Map<number, string>();
  const totals: Record<string, number> = {};
  for (const [label, root] of Object.entries(roots))
    if (root !== undefined) {
      labelOf.set(root, label);
      totals[label] = 0;
    }
  for (const [pid, stat] of stats) {
    for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
      const label = labelOf.get(current);
      if (label !== undefined) {
        totals[label]! += stat.ticks / TICKS_PER_SECOND;
        break;
      }
      current = stats.get(current)?.parent ?? 0;
    }
  }
  return totals;
}

/** The difference of two readings, rounded to 0.1 s. */
export function cpuSecondsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const [label, value] of Object.entries(after))
    difference[label] = Math.round((value - (before[label] ?? 0)) * 10) / 10;
  return difference;
}

/** CPU seconds the whole machine has spent busy since boot (every process, ours or not). */
export function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait.
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return busy / TICKS_PER_SECOND;
}
