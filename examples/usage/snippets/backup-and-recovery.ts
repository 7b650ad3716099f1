// Export metadata for backup (NOT values)
const metadata = await manager.list();
await fs.writeFile(
  'secrets-metadata-backup.json',
  JSON.stringify(metadata, null, 2)
);

// Export permissions
const permissions = accessControl.exportPermissions();
await fs.writeFile(
  'permissions-backup.json',
  JSON.stringify(permissions, null, 2)
);

// Restore permissions
await accessControl.importPermissions(permissions);
