package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bulk conversion must agree element by element with the scalar rules, across task boundaries. */
class ConversionsTest {
    /** More than two parallel tasks' worth, and not a multiple of the block size. */
    private static final int COUNT = (1 << 21) + 4_099;

    private static ByteBuffer randomSource(DType type, int count, int offset) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        ByteBuffer buf = ByteBuffer.allocateDirect(offset + count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < offset + count * type.byteSize(); i++) {
            buf.put(i, (byte) rnd.nextInt());
        }
        return buf.position(offset);
    }

    private static int elementBits(ByteBuffer buf, DType type, int index) {
        int at = buf.position() + index * type.byteSize();
        return type == DType.F32 ? buf.getInt(at) : buf.getShort(at) & 0xFFFF;
    }

    /** The scalar path for one element, through binary32 bits. */
    private static int expected(int bits, DType from, DType to) {
        int f32 = switch (from) {
            case F32 -> bits;
            case F16 -> HalfFloats.f16ToF32Bits((short) bits);
            case BF16 -> HalfFloats.bf16ToF32Bits((short) bits);
        };
        return switch (to) {
            case F32 -> f32;
            case F16 -> from == DType.F16 ? bits : HalfFloats.f32BitsToF16(f32) & 0xFFFF;
            case BF16 -> from == DType.BF16 ? bits : HalfFloats.f32BitsToBf16(f32) & 0xFFFF;
        };
    }

    @ParameterizedTest(name = "{0} to every type")
    @EnumSource(DType.class)
    void bulkAgreesWithScalar(DType from) {
        ByteBuffer src = randomSource(from, COUNT, 6);
        for (DType to : DType.values()) {
            ByteBuffer out = Conversions.convert(src, from, to);
            assertTrue(out.isDirect());
            assertEquals(ByteOrder.nativeOrder(), out.order());
            assertEquals(0, out.position());
            assertEquals(COUNT * to.byteSize(), out.remaining());
            assertEquals(6, src.position(), "source position is left alone");
            for (int i = 0; i < COUNT; i++) {
                int in = elementBits(src, from, i);
                int actual = elementBits(out, to, i);
                int want = expected(in, from, to);
                if (want != actual) {
                    assertEquals(Integer.toHexString(want), Integer.toHexString(actual),
                            from + "->" + to + " element " + i + " input 0x" + Integer.toHexString(in));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void bigEndianTargetGetsTheSameValues(DType from) {
        ByteBuffer src = randomSource(from, 1000, 0);
        for (DType to : DType.values()) {
            ByteBuffer little = Conversions.convert(src, from, to);
            ByteBuffer big = ByteBuffer.allocate(1000 * to.byteSize()).order(ByteOrder.BIG_ENDIAN);
            Conversions.convert(src, from, big, to);
            for (int i = 0; i < 1000; i++) {
                assertEquals(elementBits(little, to, i), elementBits(big, to, i), from + "->" + to + " at " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void partialElementIsRejected(DType from) {
        ByteBuffer src = ByteBuffer.allocate(5);
        assertThrows(IllegalArgumentException.class, () -> Conversions.convert(src, from, DType.F32));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void tooSmallTargetIsRejected(DType to) {
        ByteBuffer src = ByteBuffer.allocate(16);
        ByteBuffer dst = ByteBuffer.allocate(4 * to.byteSize() - 1);
        assertThrows(IllegalArgumentException.class, () -> Conversions.convert(src, DType.F32, dst, to));
    }
}
