package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.checkpoint.ReferenceFloats.Format;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HalfFloatsTest {

    @Test
    void f16WideningMatchesDefinitionForEveryPattern() {
        for (int h = 0; h < 1 << 16; h++) {
            double expected = ReferenceFloats.decode(Format.F16, h);
            float actual = HalfFloats.f16ToFloat((short) h);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(actual), "pattern " + Integer.toHexString(h));
            } else {
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                        "pattern 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void bf16WideningMatchesDefinitionForEveryPattern() {
        for (int b = 0; b < 1 << 16; b++) {
            double expected = ReferenceFloats.decode(Format.BF16, b);
            float actual = HalfFloats.bf16ToFloat((short) b);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(actual));
            } else {
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                        "pattern 0x" + Integer.toHexString(b));
            }
        }
    }

    /** Known answers, including the boundaries of overflow, underflow and ties to even. */
    @ParameterizedTest(name = "{0} -> f16 {1}")
    @CsvSource({
        "0x00000000, 0x0000", // +0
        "0x80000000, 0x8000", // -0
        "0x7F800000, 0x7C00", // +inf
        "0xFF800000, 0xFC00", // -inf
        "0x477FE000, 0x7BFF", // 65504, the largest f16
        "0x477FEFFF, 0x7BFF", // just under 65520 stays finite
        "0x477FF000, 0x7C00", // 65520: tie between 65504 (odd) and 65536, goes to infinity
        "0xC77FF000, 0xFC00", // -65520
        "0x38800000, 0x0400", // 2^-14, smallest normal
        "0x33800000, 0x0001", // 2^-24, smallest subnormal
        "0x33000000, 0x0000", // 2^-25: tie between 0 and 2^-24, goes to even 0
        "0x33000001, 0x0001", // just above 2^-25 rounds up
        "0x33C00000, 0x0002", // 3 * 2^-25: tie between 1 and 2 units, goes to even 2
        "0x34200000, 0x0002", // 5 * 2^-26: 2.5 units, tie goes to even 2
        "0x387FC000, 0x03FF", // largest subnormal
        "0x387FF000, 0x0400", // tie between largest subnormal and smallest normal
        "0x3F801000, 0x3C00", // 1 + 2^-11: tie, goes to even 1.0
        "0x3F803000, 0x3C02", // 1 + 3 * 2^-11: tie, goes to even 1 + 2^-9
        "0x3F801001, 0x3C01", // just above the tie rounds up
        "0x00000001, 0x0000", // float subnormal underflows
        "0x7F7FFFFF, 0x7C00", // float max overflows
    })
    void f32ToF16KnownAnswers(String in, String out) {
        int bits = Integer.parseUnsignedInt(in.substring(2), 16);
        assertEquals(Integer.parseInt(out.substring(2), 16), HalfFloats.f32BitsToF16(bits) & 0xFFFF);
        assertEquals(Integer.parseInt(out.substring(2), 16), ReferenceFloats.round(Format.F16,
                Float.intBitsToFloat(bits)), "the oracle agrees");
    }

    @ParameterizedTest(name = "{0} -> bf16 {1}")
    @CsvSource({
        "0x00000000, 0x0000",
        "0x80000000, 0x8000",
        "0x7F800000, 0x7F80",
        "0xFF800000, 0xFF80",
        "0x3F808000, 0x3F80", // tie between 1.0 (even) and next: stays 1.0
        "0x3F818000, 0x3F82", // tie with odd lower neighbour rounds up to even
        "0x3F808001, 0x3F81", // above the tie
        "0x3F807FFF, 0x3F80", // below the tie
        "0xBF808000, 0xBF80", // negative tie
        "0x7F7F8000, 0x7F80", // tie between bf16 max (odd) and infinity goes to infinity
        "0x7F7F7FFF, 0x7F7F", // just under stays at bf16 max
        "0x00000001, 0x0000", // float subnormal underflows to zero
        "0x00408000, 0x0040", // subnormal tie to even
        "0x00418000, 0x0042",
    })
    void f32ToBf16KnownAnswers(String in, String out) {
        int bits = Integer.parseUnsignedInt(in.substring(2), 16);
        assertEquals(Integer.parseInt(out.substring(2), 16), HalfFloats.f32BitsToBf16(bits) & 0xFFFF);
        assertEquals(Integer.parseInt(out.substring(2), 16), ReferenceFloats.round(Format.BF16,
                Float.intBitsToFloat(bits)), "the oracle agrees");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF, 0x7F802000, 0x7FA00000})
    void nanStaysNanWithItsSign(int nanBits) {
        short f16 = HalfFloats.f32BitsToF16(nanBits);
        short bf16 = HalfFloats.f32BitsToBf16(nanBits);
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(f16)), "f16 " + Integer.toHexString(f16 & 0xFFFF));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(bf16)), "bf16 " + Integer.toHexString(bf16 & 0xFFFF));
        assertEquals(nanBits >>> 31, (f16 >>> 15) & 1);
        assertEquals(nanBits >>> 31, (bf16 >>> 15) & 1);
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.bf16ToF16(bf16))));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.f16ToBf16(f16))));
    }

    /** Every float whose top 16 bits take each value, with low halves at and around the bf16 tie. */
    @Test
    void f32ToBf16MatchesOracleAcrossAllExponents() {
        int[] lowHalves = {0x0001, 0x7FFF, 0x8000, 0x8001};
        for (int high = 0; high < 1 << 16; high++) {
            for (int low : lowHalves) {
                int bits = (high << 16) | low;
                float f = Float.intBitsToFloat(bits);
                if (Float.isNaN(f)) {
                    continue;
                }
                assertEquals(ReferenceFloats.round(Format.BF16, f), HalfFloats.f32BitsToBf16(bits) & 0xFFFF,
                        () -> "float bits 0x" + Integer.toHexString(bits));
            }
        }
    }

    /** Random floats over the whole f16 range and beyond, plus every f16 midpoint. */
    @Test
    void f32ToF16MatchesOracle() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            // Exponents 90..150 cover underflow, subnormals, normals and overflow of f16.
            int bits = (rnd.nextInt(2) << 31) | ((90 + rnd.nextInt(61)) << 23) | rnd.nextInt(1 << 23);
            float f = Float.intBitsToFloat(bits);
            assertEquals(ReferenceFloats.round(Format.F16, f), HalfFloats.f32BitsToF16(bits) & 0xFFFF,
                    () -> "float bits 0x" + Integer.toHexString(bits));
        }
        for (int h = 0; h < 0x7BFF; h++) {
            double mid = (ReferenceFloats.decode(Format.F16, h) + ReferenceFloats.decode(Format.F16, h + 1)) / 2;
            float f = (float) mid;
            if (f == mid) {
                assertEquals(ReferenceFloats.round(Format.F16, f), HalfFloats.floatToF16(f) & 0xFFFF,
                        "midpoint above f16 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void crossConversionsBetweenSixteenBitTypesRoundOnceThroughF32() {
        for (int b = 0; b < 1 << 16; b++) {
            float asFloat = HalfFloats.bf16ToFloat((short) b);
            if (!Float.isNaN(asFloat)) {
                assertEquals(ReferenceFloats.round(Format.F16, asFloat), HalfFloats.bf16ToF16((short) b) & 0xFFFF,
                        "bf16 0x" + Integer.toHexString(b));
            }
            float fromF16 = HalfFloats.f16ToFloat((short) b);
            if (!Float.isNaN(fromF16)) {
                assertEquals(ReferenceFloats.round(Format.BF16, fromF16), HalfFloats.f16ToBf16((short) b) & 0xFFFF,
                        "f16 0x" + Integer.toHexString(b));
            }
        }
    }
}
