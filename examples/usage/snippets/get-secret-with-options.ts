// With options
const secret = await manager.get('database-password', {
  required: true,         // Throw if not found
  version: 2,             // Specific version
  provider: 'azure-kv',   // Specific provider
  accessor: 'db-plugin',  // For audit log
});
