package io.github.tinyllama.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.stream.IntStream;

/**
 * Bulk conversion of tensor bytes between {@link DType}s.
 *
 * <p>Work is split into chunks converted in parallel on the common fork-join pool; each chunk
 * moves elements through small scratch arrays, so the loops stay simple enough for the JIT to
 * vectorise and nothing is allocated per element. Conversions between the two 16-bit types use
 * 64Ki-entry lookup tables built from the scalar {@link HalfFloats} rules, as does F16 to F32.
 */
public final class Conversions {
    /** Elements per parallel task: large enough to amortise scheduling, small enough to balance. */
    private static final int TASK_ELEMENTS = 1 << 20;
    /** Elements per scratch-array pass inside a task. */
    private static final int BLOCK_ELEMENTS = 1 << 12;

    private Conversions() {
    }

    /**
     * Converts a whole buffer into a new one.
     *
     * @param src the source elements between position and limit, little-endian as in safetensors;
     *     its position is not changed
     * @param from the source type
     * @param to the target type
     * @return a new direct buffer in native byte order, position 0, holding the converted elements
     * @throws IllegalArgumentException if the source length is not a whole number of elements or
     *     the result would exceed 2 GiB
     */
    public static ByteBuffer convert(ByteBuffer src, DType from, DType to) {
        long count = elementCount(src, from);
        long outBytes = count * to.byteSize();
        if (outBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("converted size " + outBytes
                    + " bytes exceeds the 2 GiB limit of a ByteBuffer");
        }
        ByteBuffer dst = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.nativeOrder());
        convert(src, from, dst, to);
        return dst;
    }

    /**
     * Converts elements from one buffer into another.
     *
     * @param src the source elements between position and limit, little-endian; position unchanged
     * @param from the source type
     * @param dst receives the elements at its position, in its own byte order; position unchanged
     * @param to the target type
     * @throws IllegalArgumentException if the source is not a whole number of elements or the
     *     target has too little room
     */
    public static void convert(ByteBuffer src, DType from, ByteBuffer dst, DType to) {
        int count = (int) elementCount(src, from);
        if (dst.remaining() / to.byteSize() < count) {
            throw new IllegalArgumentException("target has room for " + dst.remaining() / to.byteSize()
                    + " elements, need " + count);
        }
        if (from == to && dst.order() == ByteOrder.LITTLE_ENDIAN) {
            dst.duplicate().put(src.duplicate());
            return;
        }
        int tasks = (count + TASK_ELEMENTS - 1) / TASK_ELEMENTS;
        IntStream.range(0, tasks).parallel().forEach(t -> {
            int start = t * TASK_ELEMENTS;
            int n = Math.min(TASK_ELEMENTS, count - start);
            ByteBuffer in = window(src, src.position() + (long) start * from.byteSize(), n * from.byteSize(),
                    ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = window(dst, dst.position() + (long) start * to.byteSize(), n * to.byteSize(),
                    dst.order());
            convertChunk(in, from, out, to, n);
        });
    }

    private static long elementCount(ByteBuffer src, DType from) {
        int bytes = src.remaining();
        if (bytes % from.byteSize() != 0) {
            throw new IllegalArgumentException(bytes + " bytes is not a whole number of " + from + " elements");
        }
        return bytes / from.byteSize();
    }

    private static ByteBuffer window(ByteBuffer buf, long start, int length, ByteOrder order) {
        return buf.duplicate().position((int) start).limit((int) start + length).slice().order(order);
    }

    private static void convertChunk(ByteBuffer in, DType from, ByteBuffer out, DType to, int n) {
        if (from.byteSize() == 2 && to.byteSize() == 2) {
            shortsToShorts(in.asShortBuffer(), out.asShortBuffer(), n, Tables.forShortPair(from, to));
        } else if (from.byteSize() == 2) {
            shortsToInts(in.asShortBuffer(), out.asIntBuffer(), n, from);
        } else if (to.byteSize() == 2) {
            intsToShorts(in.asIntBuffer(), out.asShortBuffer(), n, to);
        } else {
            out.asIntBuffer().put(in.asIntBuffer());
        }
    }

    /** Covers F16 to BF16, BF16 to F16, and a byte-order change between identical 16-bit types. */
    private static void shortsToShorts(ShortBuffer in, ShortBuffer out, int n, short[] table) {
        short[] block = new short[Math.min(n, BLOCK_ELEMENTS)];
        for (int done = 0; done < n; done += block.length) {
            int len = Math.min(block.length, n - done);
            in.get(block, 0, len);
            if (table != null) {
                for (int i = 0; i < len; i++) {
                    block[i] = table[block[i] & 0xFFFF];
                }
            }
            out.put(block, 0, len);
        }
    }

    private static void shortsToInts(ShortBuffer in, IntBuffer out, int n, DType from) {
        short[] halves = new short[Math.min(n, BLOCK_ELEMENTS)];
        int[] words = new int[halves.length];
        int[] f16Table = from == DType.F16 ? Tables.F16_TO_F32 : null;
        for (int done = 0; done < n; done += halves.length) {
            int len = Math.min(halves.length, n - done);
            in.get(halves, 0, len);
            if (f16Table == null) {
                for (int i = 0; i < len; i++) {
                    words[i] = halves[i] << 16;
                }
            } else {
                for (int i = 0; i < len; i++) {
                    words[i] = f16Table[halves[i] & 0xFFFF];
                }
            }
            out.put(words, 0, len);
        }
    }

    private static void intsToShorts(IntBuffer in, ShortBuffer out, int n, DType to) {
        int[] words = new int[Math.min(n, BLOCK_ELEMENTS)];
        short[] halves = new short[words.length];
        for (int done = 0; done < n; done += words.length) {
            int len = Math.min(words.length, n - done);
            in.get(words, 0, len);
            if (to == DType.BF16) {
                for (int i = 0; i < len; i++) {
                    halves[i] = HalfFloats.f32BitsToBf16(words[i]);
                }
            } else {
                for (int i = 0; i < len; i++) {
                    halves[i] = HalfFloats.f32BitsToF16(words[i]);
                }
            }
            out.put(halves, 0, len);
        }
    }

    /** Lookup tables, built on first use so that callers of the scalar API never pay for them. */
    private static final class Tables {
        static final int[] F16_TO_F32 = new int[1 << 16];
        static final short[] BF16_TO_F16 = new short[1 << 16];
        static final short[] F16_TO_BF16 = new short[1 << 16];

        static {
            for (int i = 0; i < 1 << 16; i++) {
                F16_TO_F32[i] = HalfFloats.f16ToF32Bits((short) i);
                BF16_TO_F16[i] = HalfFloats.bf16ToF16((short) i);
                F16_TO_BF16[i] = HalfFloats.f16ToBf16((short) i);
            }
        }

        /** @return the table mapping {@code from} bits to {@code to} bits, or null for the identity */
        static short[] forShortPair(DType from, DType to) {
            if (from == to) {
                return null;
            }
            return from == DType.BF16 ? BF16_TO_F16 : F16_TO_BF16;
        }
    }
}
