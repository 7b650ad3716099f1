import { invalidParameter, invalidRequest, notFound } from './errors.js';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  MAX_VERSIONS,
  type SecretValue,
  type StoredSecret,
  type StoredVersion,
} from './model.js';

/** The version a read asks for: by id, by staging label, or AWSCURRENT. */
export function pickVersion(secret: StoredSecret, versionId: unknown, stage: unknown): StoredVersion {
  if (versionId !== undefined && versionId !== null) {
    const version = secret.versions.find((v) => v.versionId === versionId);
    if (!version)
      throw notFound(
        `Secrets Manager can't find the specified secret value for VersionId: ${String(versionId)}`,
      );
    if (typeof stage === 'string' && !version.stages.includes(stage))
      throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
    return version;
  }
  const label = typeof stage === 'string' ? stage : AWSCURRENT;
  const version = secret.versions.find((v) => v.stages.includes(label));
  if (!version)
    throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${label}`);
  return version;
}

export function sameValue(version: StoredVersion, value: SecretValue): boolean {
  return 'secretString' in value
    ? version.secretString === value.secretString
    : version.secretBinary === value.secretBinary;
}

/** A new version carrying `stages`; labels move onto it from the versions that had them. */
export function addVersion(
  secret: StoredSecret,
  value: SecretValue,
  versionId: string,
  stages: string[],
  now: number,
): StoredVersion {
  const version: StoredVersion = { versionId, createdAt: now, stages: [], ...value };
  const previous = secret.versions.find((v) => v.stages.includes(AWSCURRENT));
  secret.versions.push(version);
  for (const stage of stages) attach(secret, version, stage);
  // A new current value ends the rotation the old one was part of: its AWSPENDING goes too.
  if (stages.includes(AWSCURRENT) && previous && previous !== version)
    previous.stages = previous.stages.filter((s) => s !== AWSPENDING);
  secret.lastChangedAt = now;
  prune(secret);
  return version;
}

/** Moves a label onto `target`; moving AWSCURRENT leaves AWSPREVIOUS on the version that had it. */
function attach(secret: StoredSecret, target: StoredVersion, stage: string): void {
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  if (holder === target) return;
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  target.stages.push(stage);
  if (stage === AWSCURRENT && holder) {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== AWSPREVIOUS);
    holder.stages.push(AWSPREVIOUS);
  }
}

/** Drops the oldest versions without labels once there are more than AWS keeps. */
function prune(secret: StoredSecret): void {
  while (secret.versions.length > MAX_VERSIONS) {
    const index = secret.versions.findIndex((v) => v.stages.length === 0);
    if (index < 0) return;
    secret.versions.splice(index, 1);
  }
}

/** UpdateSecretVersionStage: attaches, moves or removes one label, with AWS's checks. */
export function moveStage(
  secret: StoredSecret,
  stage: string,
  moveTo: string | undefined,
  removeFrom: string | undefined,
): void {
  const find = (id: string) => {
    const version = secret.versions.find((v) => v.versionId === id);
    if (!version) throw notFound("Secrets Manager can't find the specified secret version.");
    return version;
  };
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  const from = removeFrom === undefined ? undefined : find(removeFrom);
  if (from && !from.stages.includes(stage))
    throw invalidParameter(
      `The staging label ${stage} is not attached to version ${removeFrom}, so you can't remove it.`,
    );
  if (moveTo !== undefined) {
    const target = find(moveTo);
    if (holder && holder !== target && holder !== from)
      throw invalidParameter(
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    if (holder !== target) attach(secret, target, stage);
  } else if (from) {
    if (stage === AWSCURRENT)
      throw invalidParameter(
        'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
      );
    from.stages = from.stages.filter((s) => s !== stage);
  } else {
    throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
  }
  prune(secret);
}

/** VersionIdsToStages: only versions that carry a label. */
export function stagesMap(secret: StoredSecret): Record<string, string[]> | undefined {
  const labelled = secret.versions.filter((v) => v.stages.length > 0);
  if (labelled.length === 0) return undefined;
  return Object.fromEntries(labelled.map((v) => [v.versionId, [...v.stages]]));
}
