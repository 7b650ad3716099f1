import { describe, expect, it } from 'vitest';
import { autoBusyPollMs, type CpuProbe, cpuQuota } from '../src/cpu-quota.js';
import { agentOver, call } from './support.js';

/** A probe over a few files (everything else unreadable) and a count of CPUs. */
function probe(files: Record<string, string>, cpus = 2): CpuProbe {
  return { cpus: () => cpus, read: (path) => files[path] };
}

const V1 = '4:memory:/app\n2:cpu,cpuacct:/kubepods/pod1/c1\n0::/\n';
const V2 = '0::/kubepods.slice/pod1/c1\n';

describe('busy polling where it pays', () => {
  it('polls 1 ms with two CPUs or more and no CPU quota', () => {
    expect(autoBusyPollMs(probe({ '/proc/self/cgroup': V2, '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBe(
      1,
    );
    expect(autoBusyPollMs(probe({}))).toBe(1); // no cgroups to read: no quota
  });

  it('does not poll on one CPU', () => {
    expect(autoBusyPollMs(probe({}, 1))).toBe(0);
  });

  it('finds a cgroup v2 quota on the process or above it', () => {
    const own = {
      '/proc/self/cgroup': V2,
      '/sys/fs/cgroup/kubepods.slice/pod1/c1/cpu.max': '50000 100000\n',
    };
    expect(cpuQuota(probe(own))).toBe(true);
    const parent = {
      '/proc/self/cgroup': V2,
      '/sys/fs/cgroup/kubepods.slice/pod1/c1/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/kubepods.slice/pod1/cpu.max': '200000 100000\n',
    };
    expect(cpuQuota(probe(parent))).toBe(true);
    expect(autoBusyPollMs(probe(parent))).toBe(0);
  });

  it('finds a cgroup v1 quota under either mount of the cpu controller, and -1 is none', () => {
    expect(
      cpuQuota(
        probe({
          '/proc/self/cgroup': V1,
          '/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/c1/cpu.cfs_quota_us': '50000\n',
        }),
      ),
    ).toBe(true);
    expect(
      cpuQuota(
        probe({ '/proc/self/cgroup': V1, '/sys/fs/cgroup/cpu/kubepods/pod1/cpu.cfs_quota_us': '100000\n' }),
      ),
    ).toBe(true);
    expect(
      cpuQuota(
        probe({ '/proc/self/cgroup': V1, '/sys/fs/cgroup/cpu/kubepods/pod1/c1/cpu.cfs_quota_us': '-1\n' }),
      ),
    ).toBe(false);
  });

  it("busyPoll 'auto' (the default) polls as this machine allows, and /v1/health says how long", async () => {
    const { agent, socket } = await agentOver({}, { busyPoll: 'auto' });
    expect(agent.busyPollMs).toBe(autoBusyPollMs());
    const health = JSON.parse((await call({ socket }, '/v1/health')).body);
    expect(health.agent.busyPollMs).toBe(agent.busyPollMs);
    await agent.stop();
  });
});
