package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files over 2 GiB, as a sparse file: only the few bytes actually written use disk.
 * Skipped where the file system would allocate the holes.
 */
class LargeFileTest {
    /** Data-section offset of a tensor whose bytes lie past 2^31 in the file. */
    private static final long HIGH = (1L << 31) + 1000;
    /** Data-section offset of a 2.4 GB tensor, too large for one buffer. */
    private static final long HUGE = 1L << 32;
    private static final long HUGE_ELEMENTS = 600_000_000L;

    @TempDir
    Path dir;

    @Test
    void tensorsBeyondTwoGibibytesReadBackAndOversizedOnesAreRefused() throws IOException {
        String header = "{\"low\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"high\":{\"dtype\":\"BF16\",\"shape\":[2,4],\"data_offsets\":[" + HIGH + "," + (HIGH + 16) + "]},"
                + "\"huge\":{\"dtype\":\"F32\",\"shape\":[" + HUGE_ELEMENTS + "],\"data_offsets\":[" + HUGE + ","
                + (HUGE + 4 * HUGE_ELEMENTS) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + headerBytes.length;
        long total = dataStart + HUGE + 4 * HUGE_ELEMENTS;

        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        long usableBefore = Files.getFileStore(dir).getUsableSpace();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(total);
            long usableAfter = Files.getFileStore(dir).getUsableSpace();
            Assumptions.assumeTrue(usableBefore - usableAfter < (1L << 30),
                    "file system does not create sparse files");
            ByteBuffer head = ByteBuffer.allocate((int) dataStart + 16).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(headerBytes.length).put(headerBytes);
            for (float f : new float[] {1.5f, -2f, 3.25f, 0f}) {
                head.putFloat(f);
            }
            raf.write(head.array());
            ByteBuffer high = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 8; i++) {
                high.putShort(HalfFloats.floatToBf16(i - 3.5f));
            }
            raf.seek(dataStart + HIGH);
            raf.write(high.array());
        }

        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(dataStart + HIGH, ckpt.info("high").offset());
            assertTrue(ckpt.info("high").offset() > Integer.MAX_VALUE);
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f}, ckpt.readFloats("low"));
            assertArrayEquals(new float[] {-3.5f, -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f}, ckpt.readFloats("high"));
            ByteBuffer asF16 = ckpt.read("high", DType.F16);
            assertEquals(0xC300, asF16.getShort(0) & 0xFFFF, "-3.5 as F16");

            CheckpointFormatException tooBig = assertThrows(CheckpointFormatException.class,
                    () -> ckpt.read("huge", DType.F32));
            assertTrue(tooBig.getMessage().contains("\"huge\"") && tooBig.getMessage().contains(file.toString())
                    && tooBig.getMessage().contains("2 GiB"), tooBig.getMessage());
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            CheckpointFormatException unmappable = assertThrows(CheckpointFormatException.class, () -> st.raw("huge"));
            assertTrue(unmappable.getMessage().contains("\"huge\"") && unmappable.getMessage().contains("2 GiB"),
                    unmappable.getMessage());
            assertEquals(16, st.raw("high").remaining());
        }
    }
}
