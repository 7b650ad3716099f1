/**
 * A note for whoever is looking into how hush set itself up: printed on stderr only when
 * `HUSH_DEBUG` is set (to anything but `0` or an empty string). Never carries a value.
 */
export function debugNote(message: string, env: Record<string, string | undefined> = process.env): void {
  const flag = env.HUSH_DEBUG;
  if (flag && flag !== '0') process.stderr.write(`hush: debug: ${message}\n`);
}
