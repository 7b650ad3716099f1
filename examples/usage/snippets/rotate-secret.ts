await manager.rotate('database-password', {
  newValue: 'new_secure_password',
  actor: 'admin',
  expireOldVersion: false, // Keep old version valid
});
