import type { SecretClientOptions } from '@azure/keyvault-secrets';

type PipelinePolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number]['policy'];

/** What `metrics()` reports: attempts sent, and how they ended. */
export interface Counters {
  requests: number;
  retries: number;
  challenges: number;
  throttled: number;
  serverErrors: number;
}

/** Counts every attempt the SDK sends (retries included) and how they ended. */
export function countingPolicy(counters: Counters): PipelinePolicy {
  // The SDK sends the same request object again after a failure (a retry) and after a 401
  // (the bearer challenge): what the previous attempt got tells the two apart.
  const previous = new WeakMap<object, 'challenged' | 'failed'>();
  return {
    name: 'hushAzureRequestCounter',
    async sendRequest(request, next) {
      counters.requests++;
      const before = previous.get(request);
      if (before === 'failed') counters.retries++;
      else if (before === 'challenged') counters.challenges++;
      try {
        const response = await next(request);
        if (response.status === 429) counters.throttled++;
        else if (response.status >= 500) counters.serverErrors++;
        if (response.status === 401) previous.set(request, 'challenged');
        else if (response.status === 429 || response.status === 408 || response.status >= 500)
          previous.set(request, 'failed');
        return response;
      } catch (error) {
        previous.set(request, 'failed');
        throw error;
      }
    },
  };
}

/** 127.0.0.1, ::1, localhost: a vault on this machine (an emulator), never the service. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}
