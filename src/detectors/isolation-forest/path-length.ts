/** Euler–Mascheroni constant to the precision contract §4.7.3 states. */
const EULER_GAMMA = 0.5772156649;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points
 * (Liu, Ting & Zhou 2008, eq. 1). It normalises path lengths into scores and estimates the depth a
 * leaf still holding n unseparated samples would have needed.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** ceil(log2(max(ψ, 2))), computed on integers so powers of two are exact. */
export function heightLimit(sampleSize: number): number {
  let h = 0;
  while (2 ** h < Math.max(sampleSize, 2)) h++;
  return h;
}
