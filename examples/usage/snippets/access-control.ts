import { SecretAccessControl } from '@hush/rbac';

const accessControl = new SecretAccessControl({
  enforceAccessControl: true,
  defaultPermissions: ['read'],
});

// Grant permissions
await accessControl.grant(
  'api-key-stripe',      // Secret ID or pattern
  'payment-plugin',      // Who to grant to
  'read',                // Permission level
  {
    scope: 'plugin',
    expiresAt: '2025-12-31', // Optional expiration
  }
);

// Check permission before access
await accessControl.checkPermission(
  'api-key-stripe',
  'payment-plugin',
  'read',
  'plugin'
);

// Revoke permission
await accessControl.revoke('api-key-stripe', 'payment-plugin');
