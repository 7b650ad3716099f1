// pnpm bench: hush side by side with its peers and the floor, in one run, printed as ratios.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startAwsSecretsManagerEmulator } = await import('@hush/emulators');
const { cachedRead } = await import('./cached-read.mjs');
const { resolveHundred } = await import('./resolve.mjs');
const { maskerThroughput } = await import('./masker.mjs');

const emulator = await startAwsSecretsManagerEmulator();
try {
  await cachedRead(emulator);
  await resolveHundred(emulator);
  await maskerThroughput();
} finally {
  await emulator.stop();
}
