// Enable audit logging
const manager = new SecretManager({
  providers: [localStore],
  enableAuditLog: true,
  auditLogCallback: async (entry) => {
    // Send to monitoring system
    await sendToSplunk(entry);

    // Alert on failures
    if (!entry.success) {
      await alertSecurityTeam(entry);
    }
  },
});

// Query audit log
const failedAttempts = await db.query(`
  SELECT * FROM secret_access_log
  WHERE success = 0
  AND timestamp >= datetime('now', '-24 hours')
  ORDER BY timestamp DESC
`);
