package io.github.tinyllama.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.tinyllama.generate.GenerationConfig;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

class SamplingTest {

    /** Every setting reaches the executors and each row, only the seed changes per row. */
    @Test
    void everySettingTravelsToTheRowsWithTheRowsSeed() throws IOException, ClassNotFoundException {
        GenerationConfig settings = GenerationConfig.builder().optMaxNewTokens(9).optTemperature(0.7).optTopK(5)
                .optTopP(0.9).optRepetitionPenalty(1.1).optSeed(11).optStopStrings(List.of("\n\n"))
                .optLeftTruncate(true).optIgnoreEos(true).optPresencePenalty(0.4).optFrequencyPenalty(0.3).build();
        Sampling sampling = travelled(new Sampling(settings));
        assertEquals(settings, sampling.settings());
        GenerationConfig row = sampling.config(4);
        assertEquals(settings.withSeed(Sampling.seedOf(11, 4)), row);
        assertNotEquals(settings.seed(), row.seed());
    }

    /** Java serialization, as Spark ships a task's closure. */
    private static Sampling travelled(Sampling sampling) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sampling);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Sampling) in.readObject();
        }
    }
}
