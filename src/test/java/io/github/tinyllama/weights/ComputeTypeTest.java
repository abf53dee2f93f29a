package io.github.tinyllama.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.HalfFloats;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.config.LlamaConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code auto} picks float16 only where it loses nothing: 16-bit storage whose values fit float16's range. */
class ComputeTypeTest {

    @TempDir
    Path tmp;

    @Test
    void autoHoldsFloat32CheckpointsInFloat32() throws IOException {
        assertEquals(DataType.FLOAT32, autoFor(DType.F32));
    }

    @Test
    void autoHoldsFloat16AndFittingBfloat16CheckpointsInFloat16() throws IOException {
        assertEquals(DataType.FLOAT16, autoFor(DType.F16));
        assertEquals(DataType.FLOAT16, autoFor(DType.BF16));
    }

    @Test
    void autoFallsBackToFloat32WhenABfloat16ValueIsBeyondFloat16() throws IOException {
        // 65280 is the largest bfloat16 float16 holds; 65536 is the next bfloat16 and overflows float16.
        assertEquals(DataType.FLOAT16, autoForMatrix(65280f));
        assertEquals(DataType.FLOAT32, autoForMatrix(65536f));
        assertEquals(DataType.FLOAT32, autoForMatrix(-3.0e38f));
    }

    @Test
    void explicitTypesAreTakenAsGiven() throws IOException {
        Path dir = tmp.resolve("bf16");
        RandomCheckpoint.write(dir, LlamaConfig.tiny(), DType.BF16, 1);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(DataType.FLOAT32, ComputeType.FLOAT32.resolve(checkpoint));
            assertEquals(DataType.FLOAT16, ComputeType.FLOAT16.resolve(checkpoint));
        }
    }

    @Test
    void namesAreTheCommandLineSpellings() {
        assertEquals(ComputeType.AUTO, ComputeType.of("auto"));
        assertEquals(ComputeType.FLOAT16, ComputeType.of("float16"));
        assertEquals("float32", ComputeType.FLOAT32.toString());
        assertEquals(ComputeType.FLOAT16, ComputeType.of(DataType.FLOAT16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComputeType.of("bf16"));
        assertTrue(e.getMessage().contains("auto, float32, float16 or int8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ComputeType.of(DataType.INT8));
    }

    private DataType autoFor(DType stored) throws IOException {
        Path dir = tmp.resolve(stored.name());
        RandomCheckpoint.write(dir, LlamaConfig.tiny(), stored, 2);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            return ComputeType.AUTO.resolve(checkpoint);
        }
    }

    /** A bfloat16 checkpoint of one 2x2 matrix holding {@code value} among small ones, and a float32 vector. */
    private DataType autoForMatrix(float value) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "matrix");
        ByteBuffer matrix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {0.5f, -0.25f, value, 1e-6f}) {
            matrix.putShort(HalfFloats.floatToBf16(v));
        }
        ByteBuffer vector = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1e6f).putFloat(1f);
        SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), List.of(
                new TensorSource("w", DType.BF16, new long[] {2, 2}, () -> matrix.flip()),
                new TensorSource("norm", DType.F32, new long[] {2}, () -> vector.flip())));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            return ComputeType.AUTO.resolve(checkpoint);
        }
    }
}
