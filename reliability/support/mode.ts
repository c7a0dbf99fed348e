/** short: what .ci/run runs on every landing (a few minutes); long: `npm run reliability -- --long`. */
export const LONG = process.env.RELIABILITY_MODE === 'long';

/** `short` in the short mode, `long` in the long one. */
export function scale(short: number, long: number): number {
  return LONG ? long : short;
}
