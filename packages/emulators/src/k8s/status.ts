/**
 * Kubernetes `Status` bodies, shaped as the API server writes them
 * (k8s.io/apimachinery/pkg/api/errors): `details.kind` is the resource (`secrets`)
 * for NotFound/AlreadyExists/Conflict/Forbidden and the Kind (`Secret`) for Invalid.
 */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** An error a handler throws to answer with a `Status` (plus optional headers). */
export class StatusError extends Error {
  constructor(
    readonly body: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
  get code(): number {
    return this.body.code ?? 500;
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  };
  if (details) body.details = details;
  body.code = code;
  return new StatusError(body);
}

const RESOURCE = 'secrets';

export const statuses = {
  notFound: (name: string, resource = RESOURCE) =>
    failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }),
  alreadyExists: (name: string) =>
    failure(409, 'AlreadyExists', `${RESOURCE} "${name}" already exists`, { name, kind: RESOURCE }),
  conflict: (
    name: string,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${RESOURCE} "${name}": ${why}`, {
      name,
      kind: RESOURCE,
    }),
  invalid: (name: string, causes: StatusCause[]) => {
    const described = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const summary = described.length === 1 ? described[0] : `[${described.join(', ')}]`;
    return failure(422, 'Invalid', `Secret "${name}" is invalid: ${summary}`, {
      name,
      kind: 'Secret',
      causes,
    });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (user: string, verb: string, namespace: string | undefined, name?: string) => {
    const subject = name ? `${RESOURCE} "${name}"` : RESOURCE;
    const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    return failure(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user}" cannot ${verb} resource "${RESOURCE}" in API group "" ${scope}`,
      name ? { name, kind: RESOURCE } : { kind: RESOURCE },
    );
  },
  unsupportedMediaType: (type: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format (${type}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
    ),
  unsupportedBody: (accepted: string[]) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    ),
  methodNotAllowed: () =>
    failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  routeNotFound: () => failure(404, 'NotFound', 'the server could not find the requested resource', {}),
  tooLarge: (limit: number) =>
    failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  internal: (cause: string) =>
    failure(500, 'InternalError', `Internal error occurred: ${cause}`, { causes: [{ message: cause }] }),
};

/** The body DELETE answers for a Secret: the registry returns a success Status, not the object. */
export function deletedStatus(name: string, uid: string): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, kind: RESOURCE, uid },
  };
}
