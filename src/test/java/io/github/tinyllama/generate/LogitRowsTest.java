package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LogitRowsTest {

    @Test
    void splitsIntoEqualRowsInOrder() {
        float[][] rows = LogitRows.split(new float[] {1, 2, 3, 4, 5, 6}, 3);
        assertArrayEquals(new float[][] {{1, 2}, {3, 4}, {5, 6}}, rows);
    }

    @Test
    void refusesALengthThatDoesNotDivide() {
        assertThrows(IllegalArgumentException.class, () -> LogitRows.split(new float[5], 2));
        assertThrows(IllegalArgumentException.class, () -> LogitRows.split(new float[4], 0));
    }
}
