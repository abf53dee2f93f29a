/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

/**
 * CPython's {@code random.Random}: the MT19937 generator seeded from an integer as {@code random.seed(n)}
 * does ({@code init_by_array} over the 32-bit words of {@code |n|}), with {@code random()} and
 * {@code choices(population, weights, k=1)}. The same seed gives the same sequence as Python, so a
 * mixture picks its sources exactly as lit-gpt's {@code CombinedDataset} does.
 */
final class PythonRandom {

    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int mti;

    /**
     * Seeds like {@code random.Random(seed)}.
     *
     * @param seed a non-negative seed (Python uses its absolute value)
     */
    PythonRandom(long seed) {
        if (seed == Long.MIN_VALUE) {
            throw new IllegalArgumentException("seed out of range: " + seed);
        }
        long n = Math.abs(seed);
        int[] key = (n >>> 32) == 0 ? new int[] {(int) n} : new int[] {(int) n, (int) (n >>> 32)};
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1;
        int j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    private int genrand() {
        if (mti >= N) {
            int kk;
            for (kk = 0; kk < N - M; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            for (; kk < N - 1; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            int y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
            mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** Returns {@code random.random()}: a double in [0, 1) with 53 random bits. */
    double random() {
        long a = (genrand() & 0xffffffffL) >>> 5;
        long b = (genrand() & 0xffffffffL) >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /**
     * Returns the index that {@code choices(range(n), cum_weights=cumWeights, k=1)[0]} picks.
     *
     * @param cumWeights cumulative weights, as {@code itertools.accumulate(weights)}
     * @return an index in [0, n)
     */
    int choice(double[] cumWeights) {
        int hi = cumWeights.length - 1;
        double x = random() * (cumWeights[hi] + 0.0);
        // bisect.bisect_right(cum_weights, x, 0, hi)
        int lo = 0;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x < cumWeights[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
