package io.github.tinyllama.checkpoint;

/**
 * Scalar conversions between binary32, binary16 (F16) and bfloat16 (BF16), on bit patterns.
 *
 * <p>Narrowing rounds to nearest, ties to even, as PyTorch and numpy do. NaN stays NaN: the sign
 * and the leading payload bits are kept and the quiet bit is set, so a NaN never turns into an
 * infinity by truncation. Widening is exact. Working on bits rather than {@code float} values keeps
 * NaN payloads intact, which {@code Float.intBitsToFloat} does not promise.
 */
public final class HalfFloats {
    private static final int F32_EXP_MASK = 0x7F80_0000;
    private static final int F32_ABS_MASK = 0x7FFF_FFFF;
    /** 65520.0f: the midpoint between the largest F16 (65504) and 65536; it and above round to infinity. */
    private static final int F16_OVERFLOW = 0x477F_F000;
    /** 2^-14: the smallest normal F16. */
    private static final int F16_MIN_NORMAL = 0x3880_0000;
    /** 2^-25: half the smallest F16 subnormal; it and below round to zero (the tie goes to the even zero). */
    private static final int F16_UNDERFLOW = 0x3300_0000;
    /** Moves a binary32 exponent bias (127) to the binary16 one (15), in place in the binary32 layout. */
    private static final int F16_REBIAS = (127 - 15) << 23;

    private HalfFloats() {
    }

    /**
     * @param bf16 bfloat16 bits
     * @return the binary32 bits of the same value (exact)
     */
    public static int bf16ToF32Bits(short bf16) {
        return (bf16 & 0xFFFF) << 16;
    }

    /**
     * @param bf16 bfloat16 bits
     * @return the same value as a float (exact)
     */
    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat(bf16ToF32Bits(bf16));
    }

    /**
     * @param f32Bits binary32 bits
     * @return the nearest bfloat16, ties to even; NaN stays NaN
     */
    public static short f32BitsToBf16(int f32Bits) {
        if ((f32Bits & F32_ABS_MASK) > F32_EXP_MASK) {
            return (short) ((f32Bits >>> 16) | 0x0040);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds ties to even; a carry into the exponent
        // correctly produces the next binade or infinity.
        int roundingBias = 0x7FFF + ((f32Bits >>> 16) & 1);
        return (short) ((f32Bits + roundingBias) >>> 16);
    }

    /**
     * @param value a float
     * @return the nearest bfloat16, ties to even; NaN stays NaN
     */
    public static short floatToBf16(float value) {
        return f32BitsToBf16(Float.floatToRawIntBits(value));
    }

    /**
     * @param f16 binary16 bits
     * @return the binary32 bits of the same value (exact)
     */
    public static int f16ToF32Bits(short f16) {
        int h = f16 & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return sign | F32_EXP_MASK | (mant << 13);
        }
        if (exp != 0) {
            return sign | ((exp + 127 - 15) << 23) | (mant << 13);
        }
        if (mant == 0) {
            return sign;
        }
        // Subnormal: normalise so the leading one becomes the implicit bit of a binary32.
        int shift = Integer.numberOfLeadingZeros(mant) - 21;
        int f32Exp = 127 - 15 + 1 - shift;
        return sign | (f32Exp << 23) | ((mant << shift) & 0x3FF) << 13;
    }

    /**
     * @param f16 binary16 bits
     * @return the same value as a float (exact)
     */
    public static float f16ToFloat(short f16) {
        return Float.intBitsToFloat(f16ToF32Bits(f16));
    }

    /**
     * @param f32Bits binary32 bits
     * @return the nearest binary16, ties to even; overflow gives infinity; NaN stays NaN
     */
    public static short f32BitsToF16(int f32Bits) {
        int sign = (f32Bits >>> 16) & 0x8000;
        int abs = f32Bits & F32_ABS_MASK;
        if (abs >= F16_OVERFLOW) {
            if (abs > F32_EXP_MASK) {
                return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
            }
            return (short) (sign | 0x7C00);
        }
        if (abs >= F16_MIN_NORMAL) {
            int rebiased = abs - F16_REBIAS;
            return (short) (sign | ((rebiased + 0xFFF + ((rebiased >>> 13) & 1)) >>> 13));
        }
        if (abs <= F16_UNDERFLOW) {
            return (short) sign;
        }
        // Subnormal result: the value is mant * 2^(exp-150) and a subnormal unit is 2^-24.
        int exp = abs >>> 23;
        int mant = (abs & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exp;
        int kept = mant >>> shift;
        int rest = mant & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (kept & 1) != 0)) {
            kept++;
        }
        return (short) (sign | kept);
    }

    /**
     * @param value a float
     * @return the nearest binary16, ties to even; overflow gives infinity; NaN stays NaN
     */
    public static short floatToF16(float value) {
        return f32BitsToF16(Float.floatToRawIntBits(value));
    }

    /**
     * @param bf16 bfloat16 bits
     * @return the nearest binary16 (through the exact binary32 value, so rounded once)
     */
    public static short bf16ToF16(short bf16) {
        return f32BitsToF16(bf16ToF32Bits(bf16));
    }

    /**
     * @param f16 binary16 bits
     * @return the nearest bfloat16 (through the exact binary32 value, so rounded once)
     */
    public static short f16ToBf16(short f16) {
        return f32BitsToBf16(f16ToF32Bits(f16));
    }
}
