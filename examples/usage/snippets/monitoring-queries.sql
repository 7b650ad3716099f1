// Secret access rate
SELECT COUNT(*) as access_count
FROM secret_access_log
WHERE timestamp >= datetime('now', '-1 hour')
GROUP BY strftime('%Y-%m-%d %H:00', timestamp);

// Failed access attempts
SELECT accessor, COUNT(*) as failed_attempts
FROM secret_access_log
WHERE success = 0
AND timestamp >= datetime('now', '-24 hours')
GROUP BY accessor
HAVING failed_attempts > 5;

// Secrets expiring soon
SELECT name, expires_at,
  julianday(expires_at) - julianday('now') as days_until_expiry
FROM secrets
WHERE expires_at IS NOT NULL
AND days_until_expiry < 30
ORDER BY days_until_expiry ASC;

// Secrets never rotated
SELECT name, updated_at,
  julianday('now') - julianday(updated_at) as days_since_update
FROM secrets
WHERE days_since_update > 90
ORDER BY days_since_update DESC;
