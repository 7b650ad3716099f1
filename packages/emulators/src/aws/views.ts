import { compact, type Output, type StoredSecret, type StoredVersion, seconds } from './model.js';
import { stagesMap } from './versions.js';

/** The secret's metadata as DescribeSecret and ListSecrets give it (keys AWS leaves out stay out). */
export function describe(secret: StoredSecret, stagesField: string): Output {
  return compact({
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    LastChangedDate: seconds(secret.lastChangedAt),
    LastAccessedDate: seconds(secret.lastAccessedAt),
    DeletedDate: seconds(secret.deletedAt),
    Tags: secret.tags?.map((t) => ({ ...t })),
    [stagesField]: stagesMap(secret),
    CreatedDate: seconds(secret.createdAt),
  });
}

export function valueEntry(secret: StoredSecret, version: StoredVersion): Output {
  return compact({
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    SecretString: version.secretString,
    SecretBinary: version.secretBinary,
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.createdAt),
  });
}
