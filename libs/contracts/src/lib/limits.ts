/*
 * The bounds of what the API takes, in one place: the commands' schemas check them and the API's
 * descriptions state them, so a caller reads the rule it will be held to.
 */

/** The most characters of each piece of free text. */
export const TEXT_LIMITS = {
  owner: 200,
  reference: 200,
  gpuModel: 64,
  region: 64,
  gpuClass: 64,
  adapter: 256,
} as const;

/** The most characters of an id the API takes where an id of 128 (entityId) would be too long. */
export const ID_LIMITS = {
  /**
   * A market's id: its trades are named after it (`<market>-t<n>`, an id of at most 128 characters
   * too), so a longer one would leave room for no trade at all.
   */
  marketId: 96,
} as const;

/** The largest numbers. */
export const NUMBER_LIMITS = {
  /** GPUs in one order, and the fewest from one node a bid may ask for. */
  orderGpus: 100_000,
  /** Hours in one order, and of a certificate an admin grants: a leap year. */
  hours: 24 * 366,
  /** GPUs one node declares. */
  nodeGpus: 1024,
  /** TFLOP/s: a claim, a certified figure per GPU, a market's minimum per GPU. */
  tflops: 100_000,
  /** A market's fee in basis points: 100 %. */
  feeRateBps: 10_000,
} as const;
