package io.github.tinyllama.checkpoint;

import java.math.BigDecimal;

/**
 * Test oracle for the narrow float formats, built from their definitions rather than bit tricks:
 * values are decoded with {@link Math#scalb} and rounding picks the nearer neighbour by exact
 * {@link BigDecimal} distance, ties to the even bit pattern.
 */
final class ReferenceFloats {
    /** Describes a format as {@code (exponent bits, fraction bits)} inside a 16-bit pattern. */
    enum Format {
        F16(5, 10), BF16(8, 7);

        final int expBits;
        final int fracBits;
        final int bias;
        final int infBits;

        Format(int expBits, int fracBits) {
            this.expBits = expBits;
            this.fracBits = fracBits;
            this.bias = (1 << (expBits - 1)) - 1;
            this.infBits = ((1 << expBits) - 1) << fracBits;
        }
    }

    private ReferenceFloats() {
    }

    /** Decodes a 16-bit pattern as a double; NaN patterns give NaN. */
    static double decode(Format fmt, int bits) {
        int sign = (bits >> 15) & 1;
        int exp = (bits >> fmt.fracBits) & ((1 << fmt.expBits) - 1);
        int frac = bits & ((1 << fmt.fracBits) - 1);
        double magnitude;
        if (exp == (1 << fmt.expBits) - 1) {
            magnitude = frac == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exp == 0) {
            magnitude = Math.scalb((double) frac, 1 - fmt.bias - fmt.fracBits);
        } else {
            magnitude = Math.scalb((double) ((1 << fmt.fracBits) + frac), exp - fmt.bias - fmt.fracBits);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    /** Rounds a float to the nearest pattern of {@code fmt}, ties to even; -1 for NaN input. */
    static int round(Format fmt, float value) {
        if (Float.isNaN(value)) {
            return -1;
        }
        int sign = (Float.floatToRawIntBits(value) >>> 31) << 15;
        double abs = Math.abs((double) value);
        if (abs == Double.POSITIVE_INFINITY) {
            return sign | fmt.infBits;
        }
        // Non-negative finite patterns increase with their value, so binary search on bits works.
        int lo = 0;
        int hi = fmt.infBits - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (decode(fmt, mid) <= abs) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (decode(fmt, lo) == abs) {
            return sign | lo;
        }
        int up = lo + 1;
        // Past the largest finite value, round as if the exponent were unbounded: the next value is 2^(emax+1).
        double upValue = up == fmt.infBits ? Math.scalb(1.0, fmt.bias + 1) : decode(fmt, up);
        BigDecimal x = new BigDecimal(abs);
        int cmp = x.subtract(new BigDecimal(decode(fmt, lo))).compareTo(new BigDecimal(upValue).subtract(x));
        int chosen = cmp < 0 ? lo : cmp > 0 ? up : (lo % 2 == 0 ? lo : up);
        return sign | chosen;
    }
}
