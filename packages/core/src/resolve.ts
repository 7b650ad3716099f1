import type { BatchReader } from './batch.js';
import { AccessDeniedError } from './errors.js';
import type { Hooks } from './hooks.js';
import { readMany } from './many.js';
import type { Masker } from './masker.js';
import { validateSecretName } from './names.js';
import { splitPreviousReference } from './previous.js';
import { type LookupOutcome, resolveDocument } from './resolver.js';
import type { ResolveOptions } from './types.js';

export interface ResolveParts {
  batch: BatchReader;
  hooks: Hooks;
  masker: Masker;
  options: ResolveOptions;
  defaultsOnOutage: boolean;
  /** Reads a `name@previous` reference: the version a rotation kept readable. */
  previous: (name: string) => Promise<LookupOutcome>;
}

/** `resolve` inside the manager: every distinct name read at once, each with its own checks. */
export function resolveInManager<T>(document: T, parts: ResolveParts): Promise<T> {
  const { options } = parts;
  return resolveDocument(
    document,
    async (names) => {
      const outcomes = new Map<string, LookupOutcome>();
      const valid: string[] = [];
      const previous: Promise<void>[] = [];
      for (const name of names) {
        const reference = splitPreviousReference(name);
        if (reference.previous) {
          previous.push(parts.previous(reference.name).then((outcome) => void outcomes.set(name, outcome)));
          continue;
        }
        try {
          validateSecretName(name);
          valid.push(name);
        } catch (error) {
          outcomes.set(name, { kind: 'error', error });
        }
      }
      const [read] = await Promise.all([readMany(parts.batch, parts.hooks, valid, options), ...previous]);
      for (const [name, outcome] of read) {
        if (outcome.kind === 'found') outcomes.set(name, { kind: 'value', value: outcome.secret.value });
        else if (outcome.kind === 'missing' || outcome.kind === 'unavailable' || outcome.kind === 'denied')
          outcomes.set(name, outcome);
        else if (outcome.error instanceof AccessDeniedError)
          outcomes.set(name, { kind: 'denied', error: outcome.error });
        else outcomes.set(name, outcome);
      }
      return outcomes;
    },
    { defaultsOnOutage: parts.defaultsOnOutage, onField: (value) => parts.masker.add(value) },
  );
}
