import { createSecretManagerFromEnv } from '@hush/core';

// Initialize from environment variables
const secretManager = await createSecretManagerFromEnv();

// Store a secret
await secretManager.set('api-key-stripe', 'sk_live_abc123...', {
  scope: 'global',
  tags: ['production', 'payment'],
  expiresAt: '90d', // Expire in 90 days
});

// Retrieve a secret
const secret = await secretManager.get('api-key-stripe', {
  required: true,
  accessor: 'payment-plugin',
});

console.log(secret.value); // sk_live_abc123...
console.log(secret.metadata.version); // 1
