await manager.set('api-key-github', 'ghp_abc123...', {
  provider: 'local',
  scope: 'plugin',
  tags: ['development', 'git'],
  expiresAt: '30d', // or ISO timestamp
  actor: 'admin',   // For audit log
});
