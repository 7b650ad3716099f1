// Alert on multiple failed access attempts
if (failedAttempts > 5) {
  await sendAlert({
    severity: 'high',
    message: `Multiple failed secret access attempts by ${accessor}`,
    details: failedAttempts,
  });
}

// Alert on secrets expiring soon
if (daysUntilExpiry < 7) {
  await sendAlert({
    severity: 'medium',
    message: `Secret ${name} expires in ${daysUntilExpiry} days`,
  });
}
