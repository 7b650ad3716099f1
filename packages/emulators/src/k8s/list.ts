import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './context.js';
import { send, wantsTable } from './http.js';
import { toWire } from './objects.js';
import { authorize } from './secrets-api.js';
import {
  type FieldRequirement,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type Requirement,
  SelectorError,
} from './selector.js';
import type { StoredSecret } from './state.js';
import { statuses } from './status.js';
import { secretTable } from './table.js';

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (token.v !== 'meta.k8s.io/v1' || typeof token.rv !== 'number' || typeof token.start !== 'string')
      throw new Error('bad');
    return token;
  } catch {
    throw statuses.badRequest('invalid continue token: continue key is not valid');
  }
}

export function list(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  namespace: string | undefined,
): void {
  ctx.calls.list++;
  authorize(ctx, req, 'list', namespace);
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
    throw statuses.badRequest('watch is not served by the hush Kubernetes emulator');
  let labelRequirements: Requirement[];
  let fieldRequirements: FieldRequirement[];
  try {
    labelRequirements = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
    fieldRequirements = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
  } catch (error) {
    if (error instanceof SelectorError) throw statuses.badRequest(error.message);
    throw error;
  }
  const limitText = url.searchParams.get('limit');
  const limit = limitText ? Number.parseInt(limitText, 10) : 0;
  const continueText = url.searchParams.get('continue');
  const token = continueText ? decodeContinue(continueText) : undefined;
  const keyOf = (s: StoredSecret) =>
    namespace === undefined ? `${s.metadata.namespace}/${s.metadata.name}` : s.metadata.name;

  const matching = ctx.state.list(namespace).filter((s) => {
    if (token && keyOf(s) < token.start) return false;
    if (!matchesLabels(labelRequirements, s.metadata.labels ?? {})) return false;
    return fieldRequirements.every((f) => {
      const actual =
        f.field === 'metadata.name'
          ? s.metadata.name
          : f.field === 'metadata.namespace'
            ? s.metadata.namespace
            : s.type;
      return (actual === f.value) === f.equal;
    });
  });
  const listRv = token?.rv ?? ctx.state.resourceVersion;
  const page = limit > 0 ? matching.slice(0, limit) : matching;
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (limit > 0 && matching.length > limit) {
    metadata.continue = encodeContinue(listRv, keyOf(page.at(-1)!));
    // The server can count what is left only when no selector filters the range.
    if (labelRequirements.length === 0 && fieldRequirements.length === 0)
      metadata.remainingItemCount = matching.length - limit;
  }
  if (wantsTable(req)) {
    send(res, 200, secretTable(page, metadata, ctx.state.now(), url.searchParams.get('includeObject')));
    return;
  }
  send(res, 200, {
    kind: 'SecretList',
    apiVersion: 'v1',
    metadata,
    items: page.map((s) => toWire(s, false)),
  });
}
