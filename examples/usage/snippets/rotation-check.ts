// Rotate secrets regularly (30-90 days)
setInterval(async () => {
  const expiring = await manager.list({
    // Secrets not rotated in 90 days
    pattern: '*',
  });

  for (const secret of expiring) {
    const daysSinceUpdate =
      (Date.now() - new Date(secret.updatedAt).getTime()) /
      (1000 * 60 * 60 * 24);

    if (daysSinceUpdate > 90) {
      console.warn(`Secret ${secret.name} needs rotation`);
      // Trigger rotation workflow
    }
  }
}, 24 * 60 * 60 * 1000); // Daily check
