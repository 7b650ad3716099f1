// What the audit log's queries return: rows of its tables and views as typed records.

export interface AccessorFailures {
  accessor: string | null;
  failures: number;
  lastFailureAt: Date;
}

export interface AccessRate {
  /** The start of the hour (UTC). */
  hour: Date;
  /** Entries recorded in that hour. */
  accesses: number;
}

export interface ExpiringSecret {
  name: string;
  provider: string | null;
  expiresAt: Date;
  /** Negative when already expired. */
  daysUntilExpiry: number;
}

export interface StaleSecret {
  name: string;
  provider: string | null;
  updatedAt: Date;
  lastRotatedAt: Date | null;
  daysSinceUpdate: number;
}

export interface SecretMetadata {
  name: string;
  provider: string | null;
  scope: string | null;
  currentVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  deleted: boolean;
  deletedAt: Date | null;
  tags: Record<string, string>;
}

export interface RotationRecord {
  secretName: string;
  version: string | null;
  provider: string | null;
  changeType: 'rotate' | 'rollback';
  rotatedAt: Date;
  rotatedBy: string | null;
  requestId: string | null;
}

export interface EncryptionKeyRecord {
  id: string;
  provider?: string | null;
  algorithm: string;
  status: string;
  createdAt?: Date;
  activatedAt?: Date | null;
  rotatedAt?: Date | null;
  retiredAt?: Date | null;
  expiresAt?: Date | null;
  metadata?: Record<string, string>;
}
