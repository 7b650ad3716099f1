import type { Masker } from './masker.js';
import { monotonicMs } from './monotonic.js';
import type { ProviderHealthReport } from './reports.js';
import { describeFailure, type ProviderSlot } from './slot.js';

/**
 * One provider's health: its own health call, or, without one, a read of a name that should
 * not exist (proving the backend answers); with what reads have seen of its failures.
 */
export async function probe(slot: ProviderSlot, masker: Masker): Promise<ProviderHealthReport> {
  const started = monotonicMs();
  const report = (status: ProviderHealthReport['status'], message?: string): ProviderHealthReport => ({
    name: slot.name,
    kind: slot.provider.kind,
    status,
    latencyMs: Math.round((monotonicMs() - started) * 100) / 100,
    ...(message ? { message } : {}),
    consecutiveFailures: slot.consecutiveFailures,
    ...(slot.lastFailureAt ? { lastFailureAt: slot.lastFailureAt } : {}),
    ...(slot.lastFailureCode ? { lastFailureCode: slot.lastFailureCode } : {}),
  });
  try {
    if (slot.provider.health) {
      const health = await slot.call((abortSignal) => slot.provider.health!({ abortSignal }), 'health');
      return report(health.status, health.message);
    }
    await slot.call((abortSignal) => slot.provider.get('hush-health-probe', { abortSignal }), 'get');
    return report('healthy');
  } catch (error) {
    return report('unhealthy', describeFailure(slot.name, error, masker).message);
  }
}
