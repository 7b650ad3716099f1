const secrets = await manager.list({
  pattern: 'api-key-*',
  scope: 'global',
  tags: ['production'],
  provider: 'azure-keyvault',
  includeExpired: false,
});
