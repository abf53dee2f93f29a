package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import org.junit.jupiter.api.Test;

/** A few rows through a tall weight are multiplied block by block; the result must be the single product's. */
class ProjectionTest {

    /** Not a multiple of the block, so the last block is short. */
    private static final long OUT = 2 * Projection.BLOCK_ROWS + 300;

    @Test
    void aBlockedProductEqualsTheWholeProduct() {
        for (long rows : new long[] {2, 8, Projection.FEW_ROWS}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray weight = m.randomNormal(new Shape(OUT, 96));
                NDArray x = m.randomNormal(new Shape(rows, 1, 96));
                NDArray y = Projection.apply(x, weight);
                assertEquals(new Shape(rows, 1, OUT), y.getShape());
                // Each output is the same 96-term dot product either way; only the kernel's summation order may
                // differ, which moves a sum of magnitude ~10 by a few float32 ulps.
                assertArrayEquals(Linear.linear(x, weight).singletonOrThrow().toFloatArray(), y.toFloatArray(), 1e-4f,
                        rows + " rows");
            }
        }
    }

    @Test
    void oneRowAndFloat16WeightsKeepTheSingleProduct() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray weight = m.randomNormal(new Shape(OUT, 64));
            NDArray one = m.randomNormal(new Shape(1, 1, 64));
            assertArrayEquals(Linear.linear(one, weight).singletonOrThrow().toFloatArray(),
                    Projection.apply(one, weight).toFloatArray());
            NDArray half = weight.toType(DataType.FLOAT16, false);
            NDArray x = m.randomNormal(new Shape(4, 1, 64));
            NDArray expected = Linear.linear(x.toType(DataType.FLOAT16, false), half).singletonOrThrow()
                    .toType(DataType.FLOAT32, false);
            assertArrayEquals(expected.toFloatArray(), Projection.apply(x, half).toFloatArray());
        }
    }
}
