// Where the latency benchmark's processes run. A read through the agent's socket is a request and
// an answer between two processes: when they run on two CPUs, each side wakes the other from idle,
// which on a virtual machine costs far more than the work on either side. The benchmark measures
// each placement: as the scheduler places them, all on one CPU (an application and its agent
// sharing a core, as a sidecar limited to one CPU does), and deliberately on two.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

export const PLACEMENTS = [
  { label: 'as the scheduler places them' },
  { label: 'on one CPU (the client, the agent and the floor share CPU 0)', client: '0', server: '0' },
  { label: 'on two CPUs (the client on CPU 0, the agent and the floor on CPU 1)', client: '0', server: '1' },
];

/** Why processes cannot be pinned here, or undefined when they can (Linux's taskset, two CPUs). */
export function cannotPin() {
  if (availableParallelism() < 2) return 'one CPU only';
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no taskset (util-linux)';
  }
}

/** Pins every thread of a process to `cpus` (taskset's list: "0", "1", "0-1"). */
export function pin(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Lets this process run on every CPU again (counted on the machine: this process sees one now). */
export function unpinSelf() {
  pin(process.pid, `0-${cpus().length - 1}`);
}
