import { toWire } from './objects.js';
import type { StoredSecret } from './state.js';

/** The columns the API server prints for Secrets (its table convertor), as `kubectl get` shows them. */
const COLUMNS = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
  },
  {
    name: 'Type',
    type: 'string',
    format: '',
    description: 'Used to facilitate programmatic handling of secret data.',
    priority: 0,
  },
  { name: 'Data', type: 'string', format: '', description: 'Data contains the secret data.', priority: 0 },
  {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    priority: 0,
  },
];

/** Go's duration.HumanDuration: the short age `kubectl get` prints (`45s`, `3m20s`, `5h`, `12d`). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return `${years}y${days % 365}d`;
  return `${years}y`;
}

function rowObject(secret: StoredSecret, include: string): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return toWire(secret);
  const { metadata } = toWire(secret) as { metadata: unknown };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/** A meta.k8s.io/v1 Table of Secrets, with the row objects `includeObject` asks for (metadata by default). */
export function secretTable(
  secrets: StoredSecret[],
  listMetadata: Record<string, unknown>,
  now: number,
  includeObject: string | null,
): Record<string, unknown> {
  const include = includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: COLUMNS,
    rows: secrets.map((s) => {
      const object = rowObject(s, include);
      return {
        cells: [
          s.metadata.name,
          s.type,
          Object.keys(s.data).length,
          humanDuration(now - Date.parse(s.metadata.creationTimestamp)),
        ],
        ...(object ? { object } : {}),
      };
    }),
  };
}
