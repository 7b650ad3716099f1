// pnpm bench: hush side by side with its peers and the floor, in one run, printed as ratios.
// HUSH_BENCH_ONLY=startup,output (names below) runs some tables only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startAwsSecretsManagerEmulator } = await import('@hush/emulators');
const { cachedRead } = await import('./cached-read.mjs');
const { resolveHundred } = await import('./resolve.mjs');
const { maskerThroughput } = await import('./masker.mjs');
const { startup } = await import('./startup.mjs');
const { runOutput } = await import('./run-output.mjs');

const only = process.env.HUSH_BENCH_ONLY?.split(',');
const wanted = (name) => !only || only.includes(name);

const emulator = await startAwsSecretsManagerEmulator();
try {
  if (wanted('cached-read')) await cachedRead(emulator);
  if (wanted('resolve')) await resolveHundred(emulator);
  if (wanted('masker')) await maskerThroughput();
  if (wanted('startup')) await startup();
  if (wanted('output')) await runOutput();
} finally {
  await emulator.stop();
}
