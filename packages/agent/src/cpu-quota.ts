import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

// Where busy polling pays: a CPU to spare, and no CPU quota. Under a quota (a Kubernetes CPU
// limit, systemd's CPUQuota=) every polled microsecond is charged, and the kernel then throttles
// the agent for the rest of the period, which costs far more than polling saves.

/** What `autoBusyPollMs` reads; tests give their own. */
export interface CpuProbe {
  cpus: () => number;
  /** A file's text, or undefined when it cannot be read. */
  read: (path: string) => string | undefined;
}

const SYSTEM_PROBE: CpuProbe = {
  cpus: availableParallelism,
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** How long to poll after each request when `busyPoll` is `'auto'`: 1 ms where it pays, else 0. */
export function autoBusyPollMs(probe: CpuProbe = SYSTEM_PROBE): number {
  return probe.cpus() >= 2 && !cpuQuota(probe) ? 1 : 0;
}

/**
 * Whether this process's cgroup, or one above it, limits its CPU time (cgroup v2 `cpu.max`, or
 * v1 `cpu.cfs_quota_us`). Unreadable files count as no limit, as on a host without cgroups.
 */
export function cpuQuota(probe: CpuProbe): boolean {
  const lines = probe.read('/proc/self/cgroup')?.split('\n') ?? [];
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers === '') {
      const limited = (dir: string) => {
        const max = probe
          .read(posix.join('/sys/fs/cgroup', dir, 'cpu.max'))
          ?.trim()
          .split(' ')[0];
        return max !== undefined && max !== 'max';
      };
      if (upFrom(path).some(limited)) return true;
    } else if (controllers!.split(',').includes('cpu')) {
      const limited = (dir: string) =>
        [`/sys/fs/cgroup/${controllers}`, '/sys/fs/cgroup/cpu'].some((root) => {
          const quota = probe.read(posix.join(root, dir, 'cpu.cfs_quota_us'))?.trim();
          return quota !== undefined && quota !== '-1';
        });
      if (upFrom(path).some(limited)) return true;
    }
  }
  return false;
}

/** A cgroup path and each folder above it, up to the root. */
function upFrom(path: string): string[] {
  const dirs = [];
  for (let dir = posix.normalize(`/${path}`); ; dir = posix.dirname(dir)) {
    dirs.push(dir);
    if (dir === '/') return dirs;
  }
}
