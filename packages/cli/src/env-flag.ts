/** Whether an environment switch is on: set, not empty, and not 0, false, no or off (any case). */
export function flagIsOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/^(0|false|no|off)$/i.test(value);
}
