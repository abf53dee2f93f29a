/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import java.nio.ByteBuffer;

/** The RLE / bit-packing hybrid encoding of levels, dictionary indices and {@code RLE} booleans. */
final class RleHybrid {
    private final ByteBuffer in;
    private final int bitWidth;

    RleHybrid(ByteBuffer in, int bitWidth) {
        this.in = in;
        this.bitWidth = bitWidth;
    }

    /** The bit width of levels up to {@code maxLevel}. */
    static int bitWidth(int maxLevel) {
        return 32 - Integer.numberOfLeadingZeros(maxLevel);
    }

    /** Reads {@code count} values into {@code out}: runs (a header with its low bit 0) or groups of 8 packed values. */
    void read(int[] out, int count) {
        int n = 0;
        int bytesPerValue = (bitWidth + 7) / 8;
        while (n < count) {
            long header = ThriftCompact.varint(in);
            if ((header & 1) == 0) {
                int run = (int) (header >>> 1);
                int value = 0;
                for (int i = 0; i < bytesPerValue; i++) {
                    value |= (in.get() & 0xff) << (8 * i);
                }
                for (int i = 0; i < run && n < count; i++) {
                    out[n++] = value;
                }
            } else {
                int groups = (int) (header >>> 1);
                int values = groups * 8;
                long buffer = 0;
                int bits = 0;
                int mask = bitWidth == 32 ? -1 : (1 << bitWidth) - 1;
                int bytes = groups * bitWidth;
                for (int i = 0, v = 0; v < values; ) {
                    while (bits < bitWidth && i < bytes) {
                        buffer |= (long) (in.get() & 0xff) << bits;
                        bits += 8;
                        i++;
                    }
                    int value = (int) (buffer & mask);
                    buffer >>>= bitWidth;
                    bits -= bitWidth;
                    if (n < count) {
                        out[n++] = value;
                    }
                    v++;
                }
            }
        }
    }
}
