// Grant least privilege
await accessControl.grant('database-password', 'db-plugin', 'read', {
  scope: 'plugin',
  expiresAt: '30d', // Temporary access
});

// Use wildcard patterns for groups
await accessControl.grant('api-key-*', 'api-consumer', 'read', {
  scope: 'global',
});

// Review permissions regularly
const permissions = await accessControl.listPermissions('api-key-stripe');
